"""The "synthesize prompts" job: new prompts from a seed set in a child process (`python -m
alignment synthesize --events`). Kept prompts are stored as they arrive under keys that follow
their order; a resumed run passes the prompts already kept back in, so it neither repeats
their keys nor writes near duplicates of them."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml

from alignment.errors import UserError
from webapp.prompts.models import Prompt
from webapp.prompts.synthesis import CONFIG_FIELDS
from workers.runner import JobContext, python_module


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    seeds = Prompt.objects.filter(prompt_set_id=cfg["source_set"]).order_by("id")
    earlier = Prompt.objects.filter(prompt_set_id=cfg["target_set"]).order_by("key")
    kept = earlier.count()
    ctx.progress(kept, cfg["count"], f"{kept}/{cfg['count']} prompts kept")
    if kept < cfg["count"]:
        with tempfile.TemporaryDirectory(prefix=f"charter-job{ctx.job.pk}-") as tmp:
            seeds_path, config_path = Path(tmp) / "seeds.jsonl", Path(tmp) / "synthesize.yaml"
            with seeds_path.open("w", encoding="utf-8") as out:
                for p in seeds.iterator():
                    out.write(json.dumps({"key": p.key, "prompt": p.text}) + "\n")
                for p in earlier.iterator():
                    out.write(json.dumps({"key": p.key, "prompt": p.text, "synthesized": True}) + "\n")
            config_path.write_text(yaml.safe_dump({**{k: cfg[k] for k in CONFIG_FIELDS}, "seeds": str(seeds_path)}))

            def on_event(event: dict) -> None:
                ctx.check_cancel()
                if event["event"] == "records":
                    Prompt.objects.bulk_create([
                        Prompt(prompt_set_id=cfg["target_set"], key=r["key"], text=r["prompt"], category=r["category"],
                               meta={"model": r["model"], "nearest_key": r["nearest_key"],
                                     "nearest_similarity": r["nearest_similarity"], "job": ctx.job.pk})
                        for r in event["items"]
                    ], ignore_conflicts=True)
                elif event["event"] == "metric":
                    ctx.metrics(event["step"], event["values"])
                elif event["event"] == "progress":
                    ctx.progress(event["done"], event["total"], event["message"])

            ctx.run_child(python_module("alignment", "synthesize", "--events", "--config", str(config_path)), on_event)
    kept = earlier.count()
    if kept == 0:
        raise UserError("no prompt survived the filters: every generated prompt was invalid or a duplicate")
    return {"prompts": kept, "wanted": cfg["count"]}
