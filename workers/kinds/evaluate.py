"""The "evaluate" job: `python -m alignment evaluate --events` in a child process; the
per-item results and the summary (win rate or accuracy, with its interval) land on the
Evaluation row."""

from __future__ import annotations

import json

import yaml

from webapp.constitutions.models import ConstitutionVersion
from webapp.prompts.models import Prompt
from webapp.review.export import dataset_path
from webapp.review.models import Dataset
from webapp.training.evaluations import EVAL_FIELDS, record
from webapp.training.services import run_dir
from workers.runner import JobContext, python_module


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    folder = run_dir(ctx.job)
    folder.mkdir(parents=True, exist_ok=True)
    config = {k: cfg[k] for k in EVAL_FIELDS}
    if cfg["kind"] == "win_rate":
        prompts = Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")[: cfg.get("limit") or None]
        (folder / "prompts.jsonl").write_text(
            "".join(json.dumps({"key": str(p.pk), "prompt": p.text}) + "\n" for p in prompts), encoding="utf-8")
        (folder / "constitution.yaml").write_text(
            ConstitutionVersion.objects.get(pk=cfg["constitution_version"]).document().to_yaml(), encoding="utf-8")
        config |= {"prompts": str(folder / "prompts.jsonl"), "constitution": str(folder / "constitution.yaml")}
    else:
        config["prompts"] = str(dataset_path(Dataset.objects.get(pk=cfg["dataset"])))
    (folder / "eval.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    items: list[dict] = []
    summary: dict = {}

    def on_event(event: dict) -> None:
        if ctx.relay(event):
            return
        if event["event"] == "records":
            items.extend(event["items"])
        elif event["event"] == "summary":
            summary.update({k: v for k, v in event.items() if k != "event"})

    # An evaluation is cheap next to training: a retried attempt simply runs it again.
    ctx.run_child(python_module("alignment", "evaluate", "--events", "--config", str(folder / "eval.yaml")), on_event)
    evaluation = record(ctx.job, items, summary)
    return {"evaluation": evaluation.pk, **summary}
