"""The "evaluate" job: `python -m alignment evaluate --events` in a child process; the
per-item results and the summary (win rate or accuracy, with its interval) land on the
Evaluation row. An evaluation is cheap next to training: a retried attempt runs it again."""

from __future__ import annotations

from alignment.evaluation import EvalConfig
from webapp.datasets.export import dataset_path
from webapp.datasets.models import Dataset
from webapp.prompts.models import Prompt
from webapp.prompts.services import chosen_prompts, prompt_row
from webapp.training.evaluations import Ingest
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    if job.config["kind"] == "win_rate":
        files = {"prompts": write_rows(job, "prompts.jsonl", map(prompt_row, chosen_prompts(job))),
                 "constitution": write_constitution(job, job.config["constitution_version"])}
    elif job.config["kind"] == "behaviour":  # harmful prompts (with their categories) and benign ones
        limit = job.config.get("limit") or None
        benign = Prompt.objects.filter(prompt_set_id=job.config["benign_set"]).order_by("id")[:limit]
        files = {"prompts": write_rows(job, "harmful.jsonl", (prompt_row(p, category=p.category)
                                                              for p in chosen_prompts(job))),
                 "benign": write_rows(job, "benign.jsonl", (prompt_row(p, category=p.category) for p in benign))}
    else:
        files = {"prompts": str(dataset_path(Dataset.objects.get(pk=job.config["dataset"])))}
        if job.config.get("constitution_version"):  # the principles an instructable reward model is steered by
            files["constitution"] = write_constitution(job, job.config["constitution_version"])
    ingest = Ingest(job)
    ctx.run_kind(config_of(job, EvalConfig, **files), ingest)
    evaluation = ingest.finish()
    return {"evaluation": evaluation.pk, **ingest.summary}
