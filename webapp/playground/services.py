"""The playground: launch a chat job on a conversation, continue it, and keep an exchange as a
prompt or as a human-labelled pair."""

from __future__ import annotations

from alignment import records
from alignment.errors import UserError
from alignment.playground import ChatConfig
from webapp.accounts.roles import require
from webapp.core.model_names import check_model, lineage
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.jobs.selectors import visible_jobs
from webapp.pairs.importing import append_pairs
from webapp.prompts.models import Prompt, PromptSet

PROMPT_SET = "Playground prompts"
PAIRS = "Playground pairs"


def launch_chat(user, choices: dict, message: str, system: str = "", after: Job | None = None,
                queue: str = "default") -> Job:
    """One or two models answer `message`, after `after`'s conversation and its first reply (to
    continue a chat) or after an optional system turn (to start one)."""
    config = ChatConfig.from_choices(choices)
    config.validate()
    models = [check_model(user, config.model)] + ([check_model(user, config.other_model)] if config.other_model else [])
    if after is not None:
        reply_text(after, 0)  # a chat continues from a reply it has
        history = conversation_so_far(after)
    else:
        history = [{"role": "system", "content": system}] if system.strip() else []
    turns = records.conversation(history + [{"role": "user", "content": message}], "the conversation")
    snapshot = config.choices() | {"conversation": turns, "after": after.pk if after else None}
    return jobs.launch("chat", snapshot, user, queue=queue, derived_from=lineage(*models))


def conversation_so_far(job: Job) -> list[dict]:
    """A chat's turns (each job holds the whole conversation it answered) and its first reply,
    once there is one: what the next message continues."""
    done = job.status == Job.Status.SUCCEEDED
    replies = ((job.result or {}).get("replies") or []) if done else []
    return job.config["conversation"] + [{"role": "assistant", "content": r["text"]} for r in replies[:1]]


def chats(user):
    return visible_jobs(user).filter(kind="chat")


def reply_text(job: Job, index: int) -> str:
    found = (job.result or {}).get("replies") or []
    if job.status != Job.Status.SUCCEEDED or index >= len(found):
        raise UserError(f"chat {job.pk} has no reply {index + 1} yet")
    return found[index]["text"]


def save_prompt(user, job: Job) -> Prompt:
    """The chat's last user message, kept in the playground's prompt set."""
    require(user, "operator")
    prompt_set, _ = PromptSet.objects.get_or_create(
        name=PROMPT_SET, defaults={"description": "Prompts kept from the playground", "source": "playground"})
    text = job.config["conversation"][-1]["content"]
    prompt, _ = Prompt.objects.get_or_create(prompt_set=prompt_set, key=f"chat{job.pk}", defaults={"text": text})
    return prompt


def save_pair(user, job: Job, better: int) -> Job:
    """Two models' replies as a human-labelled pair (the one `better` names chosen), appended to
    the playground's imported set."""
    require(user, "operator")
    if better not in (0, 1):
        raise UserError("better must be 0 or 1: the reply people prefer")
    replies = [reply_text(job, 0), reply_text(job, 1)]
    if replies[0].strip() == replies[1].strip():
        raise UserError("the two replies are the same: no preference to keep")
    prompt = job.config["conversation"][-1]["content"]
    pair = {"prompt": prompt, "chosen": replies[better], "rejected": replies[1 - better], "tie": False,
            "soft_label": 1.0, "margin": 1.0}
    return append_pairs(user, PAIRS, "human", f"playground chat {job.pk}", [pair])
