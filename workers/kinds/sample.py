"""The "sample responses" job: N responses per prompt of a prompt set, in a child process."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from django.db.models import Count

from webapp.prompts.models import Prompt, Response
from workers.runner import JobContext, python_module

SAMPLER_KEYS = ("model", "n", "temperature", "top_p", "max_new_tokens", "seed", "batch_size")


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    prompts = list(Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")[: cfg.get("limit") or None])
    done = dict(
        Response.objects.filter(job=ctx.job).values_list("prompt_id").annotate(c=Count("id")).values_list("prompt_id", "c")
    )
    remaining = [p for p in prompts if done.get(p.id, 0) < cfg["n"]]
    total, already = len(prompts), len(prompts) - len(remaining)
    ctx.progress(already, total, f"{already}/{total} prompts sampled")
    if remaining:
        by_key = {str(p.id): p for p in remaining}
        with tempfile.TemporaryDirectory(prefix=f"charter-job{ctx.job.pk}-") as tmp:
            prompts_path = Path(tmp) / "prompts.jsonl"
            prompts_path.write_text(
                "".join(json.dumps({"key": str(p.id), "prompt": p.text}) + "\n" for p in remaining), encoding="utf-8"
            )
            config_path = Path(tmp) / "sample.yaml"
            config_path.write_text(yaml.safe_dump({**{k: cfg[k] for k in SAMPLER_KEYS}, "prompts": str(prompts_path)}))

            def on_event(event: dict) -> None:
                if event["event"] == "records":
                    _store(ctx, event["items"], by_key)
                elif event["event"] == "metric":  # x axis: prompts sampled, across resumes
                    ctx.metrics(already + event["step"], event["values"])
                elif event["event"] == "progress":
                    ctx.progress(already + event["done"], total, f"{already + event['done']}/{total} prompts sampled")

            ctx.run_child(python_module("alignment", "sample", "--events", "--config", str(config_path)), on_event)
    return {"responses": Response.objects.filter(job=ctx.job).count(), "prompts": total}


def _store(ctx: JobContext, items: list[dict], by_key: dict[str, Prompt]) -> None:
    ctx.check_cancel()
    Response.objects.bulk_create(
        [
            Response(
                job=ctx.job,
                prompt=by_key[item["key"]],
                sample_index=item["sample_index"],
                text=item["text"],
                model=item["model"],
                temperature=item["params"]["temperature"],
                top_p=item["params"]["top_p"],
                max_new_tokens=item["params"]["max_new_tokens"],
                seed=item["params"]["seed"],
                finish_reason=item["finish_reason"],
                completion_tokens=item["completion_tokens"],
            )
            for item in items
        ],
        ignore_conflicts=True,  # idempotent key: a resumed job may re-send samples it stored
    )
