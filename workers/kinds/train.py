"""The "train" job: `python -m alignment train --events` in a child process.

The run folder is named by the job, so a retried attempt (after a crash, a lost worker or a
cancelled-then-retried run) finds its checkpoints and resumes from the last one: same step,
same learning-rate schedule, same position in the data. Per-step metrics become JobMetric rows.
"""

from __future__ import annotations

import yaml

from webapp.constitutions.models import ConstitutionVersion
from webapp.review.export import dataset_path
from webapp.review.models import Dataset
from webapp.training.services import FORM_FIELDS, register, run_dir
from workers.runner import JobContext, python_module


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    dataset = Dataset.objects.get(pk=cfg["dataset"])
    folder = run_dir(ctx.job)
    folder.mkdir(parents=True, exist_ok=True)
    config = {k: cfg[k] for k in FORM_FIELDS if k in cfg}
    config |= {"dataset": str(dataset_path(dataset)), "output": str(folder)}
    if cfg.get("constitution_version"):
        constitution = folder / "constitution.yaml"
        constitution.write_text(ConstitutionVersion.objects.get(pk=cfg["constitution_version"]).document().to_yaml(),
                                encoding="utf-8")
        config["constitution"] = str(constitution)
    config_path = folder / "run.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    summary: dict = {}

    def on_event(event: dict) -> None:
        kind = event["event"]
        if ctx.relay(event):
            return
        if kind == "checkpoint":
            ctx.log(f"checkpoint at step {event['step']}: {event['path']}\n")
        elif kind == "resumed":
            ctx.log(f"resuming from {event['checkpoint']}\n")
        elif kind == "trained":
            summary.update(event)

    ctx.run_child(python_module("alignment", "train", "--events", "--config", str(config_path)), on_event)
    model = register(ctx.job, summary)
    return {"model": model.name, "path": model.path, "global_step": summary["global_step"],
            "train_loss": summary["train_loss"], "resumed_from": summary.get("resumed_from")}
