"""The "sample" job: N responses per prompt of a prompt set, in a child process."""

from __future__ import annotations

from alignment.sampling import SampleConfig
from webapp.prompts.services import ingest_samples, prompt_row, sampling_summary, unsampled
from workers.inputs import config_of, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    remaining, done = unsampled(job)
    total = done + len(remaining)
    ctx.progress(done, total, f"{done}/{total} prompts sampled")
    if remaining:
        config = config_of(job, SampleConfig, prompts=write_rows(job, "prompts.jsonl", map(prompt_row, remaining)))
        ctx.run_kind(config, lambda event: ingest_samples(job, event), offset=done, total=total, step_offset=done)
    return sampling_summary(job) | {"prompts": total}
