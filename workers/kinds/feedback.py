"""The "feedback" job: a whole AI-feedback run in a child process (`python -m alignment
feedback --events`). Samples, judgments, pairs and revisions are stored as they arrive, with
idempotent keys (webapp/feedback/ingest.py); a resumed run skips prompts already judged and
reuses stored samples."""

from __future__ import annotations

from alignment.feedback.pipeline import FeedbackConfig
from webapp.feedback.ingest import ingest, pending, summary
from webapp.prompts.services import prompt_row
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    remaining, done = pending(job)
    total = done + len(remaining)
    ctx.progress(done, total, f"{done}/{total} prompts judged")
    if remaining:
        prompts = write_rows(job, "prompts.jsonl", (prompt_row(p, responses=r) for p, r in remaining))
        config = config_of(job, FeedbackConfig, prompts=prompts,
                           constitution=write_constitution(job, job.config["constitution_version"]))
        ctx.run_kind(config, lambda event: ingest(job, event), offset=done, total=total)
    return summary(job)
