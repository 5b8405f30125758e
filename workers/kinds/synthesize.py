"""The "synthesize" job: new prompts from a seed set in a child process (`python -m alignment
synthesize --events`). Kept prompts are stored as they arrive under keys that follow their
order; a resumed run passes the prompts already kept back in, so it neither repeats their keys
nor writes near duplicates of them."""

from __future__ import annotations

from alignment.errors import UserError
from alignment.synthesis import SynthesisConfig
from webapp.prompts.synthesis import ingest, kept, seed_rows
from workers.inputs import config_of, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    wanted, done = job.config["count"], kept(job).count()
    ctx.progress(done, wanted, f"{done}/{wanted} prompts kept")
    if done < wanted:
        config = config_of(job, SynthesisConfig, seeds=write_rows(job, "seeds.jsonl", seed_rows(job)))
        ctx.run_kind(config, lambda event: ingest(job, event))
    done = kept(job).count()
    if done == 0:
        raise UserError("no prompt survived the filters: every generated prompt was invalid or a duplicate")
    return {"prompts": done, "wanted": wanted}
