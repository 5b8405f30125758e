"""The "evaluate" job: `python -m alignment evaluate --events` in a child process; the
per-item results and the summary (win rate or accuracy, with its interval) land on the
Evaluation row. An evaluation is cheap next to training: a retried attempt runs it again."""

from __future__ import annotations

from alignment.evaluation import EvalConfig
from webapp.datasets.export import dataset_path
from webapp.datasets.models import Dataset
from webapp.prompts.services import chosen_prompts, prompt_row
from webapp.training.evaluations import Ingest
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    if job.config["kind"] == "win_rate":
        files = {"prompts": write_rows(job, "prompts.jsonl", map(prompt_row, chosen_prompts(job))),
                 "constitution": write_constitution(job, job.config["constitution_version"])}
    else:
        files = {"prompts": str(dataset_path(Dataset.objects.get(pk=job.config["dataset"])))}
    ingest = Ingest(job)
    ctx.run_kind(config_of(job, EvalConfig, **files), ingest)
    evaluation = ingest.finish()
    return {"evaluation": evaluation.pk, **ingest.summary}
