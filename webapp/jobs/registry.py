"""What the domains tell the spine, so the spine never imports them: the job kinds they own and
the panels each kind adds to its job page, and (from constitutions) which versions a user may
not see. Each domain registers in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {}
PANELS: dict[str, list[Panel]] = {}
# The versions a user may not see (webapp/constitutions/visibility.py registers it): a job that
# derives from one of them is hidden from that user, and so is everything the job made.
HIDDEN_VERSIONS: list[Callable[[Any], Any]] = []


@dataclass(frozen=True)
class Panel:
    """A section of a job's page. `context(request, job)` gives the template its values (None
    hides the panel); `partial` is a rows fragment the page re-fetches with ?partial=NAME while
    the job runs."""

    name: str
    template: str
    context: Callable[[Any, Any], dict | None]
    partial: str = ""
    top: bool = False  # above the metrics (a summary) rather than below (rows)


# A sharded kind's result once every shard has ended: the domain's summary of the parent.
MERGERS: dict[str, Callable[[Any], dict]] = {}


def register_kind(name: str, label: str, *panels: Panel, merge: Callable[[Any], dict] | None = None) -> None:
    """A job kind has one name everywhere: this choice, its workers/kinds/ module and, where it
    runs a child process, the `python -m alignment` subcommand. `merge` makes it shardable."""
    KINDS[name] = label
    PANELS.setdefault(name, []).extend(panels)
    if merge is not None:
        MERGERS[name] = merge


def kind_choices() -> list[tuple[str, str]]:
    return sorted(KINDS.items())


def panels_for(kind: str) -> list[Panel]:
    return PANELS.get(kind, [])


def hidden_versions(user):
    return HIDDEN_VERSIONS[0](user)
