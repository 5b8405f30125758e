"""The home page: Charter's workflow, from a constitution to an evaluated model, with what this
user can see at each step, the next action and recent activity. It sits above every domain app
(it reads them all, none reads it)."""
