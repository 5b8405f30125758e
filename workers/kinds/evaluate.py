"""The "evaluate" job: `python -m alignment evaluate --events` in a child process; the
per-item results and the summary (win rate or accuracy, with its interval) land on the
Evaluation row (a shard's go into its result, merged when all shards have ended). An evaluation
is cheap next to training: a retried attempt runs it again."""

from __future__ import annotations

from alignment.evaluation import EvalConfig
from alignment.record_files import read_records
from webapp.datasets.export import dataset_path
from webapp.datasets.models import Dataset
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt
from webapp.prompts.services import chosen_prompts, prompt_row
from webapp.training.evaluations import Ingest
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    ingest = Ingest(ctx.job)
    ctx.run_kind(config_of(ctx.job, EvalConfig, **inputs(ctx.job)), ingest)
    return ingest.finish()


def inputs(job: Job) -> dict[str, str]:
    """The files the run reads, written into its folder (a shard's: its share of them)."""
    if job.config["kind"] == "win_rate":
        files = {"prompts": write_rows(job, "prompts.jsonl", map(prompt_row, chosen_prompts(job))),
                 "constitution": write_constitution(job, job.config["constitution_version"])}
    elif job.config["kind"] == "behaviour":  # harmful prompts (with their categories) and benign ones
        limit = job.config.get("limit") or None
        benign = list(Prompt.objects.filter(prompt_set_id=job.config["benign_set"]).order_by("id")[:limit])
        if job.config.get("shard") is not None:  # a shard takes every shards-th benign prompt too
            benign = benign[job.config["shard"]::job.config["shards"]]
        files = {"prompts": write_rows(job, "harmful.jsonl", (prompt_row(p, category=p.category)
                                                              for p in chosen_prompts(job))),
                 "benign": write_rows(job, "benign.jsonl", (prompt_row(p, category=p.category) for p in benign))}
    else:
        files = {"prompts": str(dataset_path(Dataset.objects.get(pk=job.config["dataset"])))}
        if job.config.get("shard") is not None:  # a shard: every shards-th pair of the dataset
            pairs = read_records(files["prompts"])[job.config["shard"]::job.config["shards"]]
            files["prompts"] = write_rows(job, "pairs.jsonl", pairs)
        if job.config.get("constitution_version"):  # the principles an instructable reward model is steered by
            files["constitution"] = write_constitution(job, job.config["constitution_version"])
    return files
