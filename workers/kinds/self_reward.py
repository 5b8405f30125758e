"""The "self_reward" job: the whole Self-Rewarding loop in one child process (`python -m
alignment self_reward --events`). The loop folder is the job's own, so a retried attempt
skips finished stages and resumes a DPO run from its checkpoint. Each iteration's model is
registered as it arrives (`<name>-m2`, `<name>-m3`, ...)."""

from __future__ import annotations

from alignment.selfreward import SelfRewardConfig
from webapp.feedback.models import PreferencePair
from webapp.jobs.folders import run_folder
from webapp.prompts.models import Prompt
from webapp.prompts.services import chosen_prompts, prompt_row
from webapp.training.services import LoopIngest
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def _human_pairs(job, source: int, name: str) -> str:
    pairs = PreferencePair.objects.filter(job_id=source, tie=False).order_by("id")
    return write_rows(job, name, ({"prompt": prompt, "chosen": chosen, "rejected": rejected}
                                  for prompt, chosen, rejected in pairs.values_list("prompt__text", "chosen", "rejected")
                                  .iterator()))


def run(ctx: JobContext) -> dict:
    job = ctx.job
    files = {}
    if job.config.get("heldout_from"):  # the human set each iteration's judge is scored on
        files["heldout"] = _human_pairs(job, job.config["heldout_from"], "heldout.jsonl")
    if job.config.get("eft_from"):  # the human-ranked pairs M0 learns to judge from
        files["eft"] = _human_pairs(job, job.config["eft_from"], "eft.jsonl")
    if job.config.get("harmful_set"):  # each new model's behaviour, measured without a judge
        for key in ("harmful", "benign"):
            prompts = Prompt.objects.filter(prompt_set_id=job.config[f"{key}_set"]).order_by("id")
            files[key] = write_rows(job, f"{key}.jsonl", (prompt_row(p, category=p.category)
                                                          for p in prompts[:job.config.get("eval_prompts") or 16]))
    config = config_of(job, SelfRewardConfig, seeds=write_rows(job, "seeds.jsonl", map(prompt_row, chosen_prompts(job))),
                       rubric=write_constitution(job, job.config["constitution_version"], "rubric.yaml"),
                       output=str(run_folder(job) / "loop"), **files)
    ingest = LoopIngest(job)
    ctx.run_kind(config, ingest)
    return {"iterations": ingest.iterations}
