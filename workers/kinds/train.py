"""The "train" job: `python -m alignment train --events` in a child process (or, for a run of
several processes, under `accelerate launch`).

The run folder is the job's own, so a retried attempt (after a crash, a lost worker or a
cancelled-then-retried run) finds its checkpoints and resumes from the last one: same step,
same learning-rate schedule, same position in the data. Per-step metrics become JobMetric rows.
"""

from __future__ import annotations

from alignment.training.config import TrainConfig
from webapp.datasets.export import dataset_path
from webapp.datasets.models import Dataset
from webapp.jobs.folders import run_folder
from webapp.training.services import register
from workers.inputs import config_of, write_constitution
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    files = {"dataset": str(dataset_path(Dataset.objects.get(pk=job.config["dataset"]))),
             "output": str(run_folder(job))}
    if job.config.get("constitution_version"):
        files["constitution"] = write_constitution(job, job.config["constitution_version"])
    summary: dict = {}

    def on_event(event: dict) -> None:
        if event["event"] == "trained":
            summary.update(event)

    config = config_of(job, TrainConfig, **files)
    launcher = None
    if config.processes > 1:  # accelerate starts the processes; only rank 0 reports
        from alignment.training.launch import launcher as accelerate_launcher

        launcher = accelerate_launcher(config, run_folder(job))
    ctx.run_kind(config, on_event, launcher=launcher)
    model = register(job, summary)
    return {"model": model.name, "path": model.path, "global_step": summary["global_step"],
            "train_loss": summary["train_loss"], "resumed_from": summary.get("resumed_from"),
            "tracking": summary.get("tracking") or {}}
