"""The "chat" job: the playground's models answer a conversation in a child process; the replies
are the job's result."""

from __future__ import annotations

from alignment.playground import ChatConfig
from workers.inputs import config_of, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    config = config_of(job, ChatConfig, conversation=write_rows(job, "conversation.jsonl", job.config["conversation"]))
    answers: list[dict] = []

    def collect(event: dict) -> None:
        if event["event"] == "records":
            answers.extend(event["items"])

    ctx.run_kind(config, collect)
    return {"replies": answers}
