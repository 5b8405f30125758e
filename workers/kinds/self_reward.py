"""The "self_reward" job: the whole Self-Rewarding loop in one child process (`python -m
alignment self_reward --events`). The loop folder is the job's own, so a retried attempt
skips finished stages and resumes a DPO run from its checkpoint. Each iteration's model is
registered as it arrives (`<name>-m2`, `<name>-m3`, ...)."""

from __future__ import annotations

from alignment.selfreward import SelfRewardConfig
from webapp.jobs.folders import run_folder
from webapp.prompts.services import chosen_prompts, prompt_row
from webapp.training.services import LoopIngest
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    config = config_of(job, SelfRewardConfig, seeds=write_rows(job, "seeds.jsonl", map(prompt_row, chosen_prompts(job))),
                       rubric=write_constitution(job, job.config["constitution_version"], "rubric.yaml"),
                       output=str(run_folder(job) / "loop"))
    ingest = LoopIngest(job)
    ctx.run_kind(config, ingest)
    return {"iterations": ingest.iterations}
