"""The "self_rewarding" job: the whole Self-Rewarding loop in one child process
(`python -m alignment self-reward --events`). The loop folder is named by the job, so a
retried attempt skips finished stages and resumes a DPO run from its checkpoint. Each
iteration's model is registered as it arrives (`<name>-m2`, `<name>-m3`, ...)."""

from __future__ import annotations

import json

import yaml

from webapp.constitutions.models import ConstitutionVersion
from webapp.prompts.models import Prompt
from webapp.training.services import register_iteration, run_dir
from workers.runner import JobContext, python_module

LOOP_FIELDS = ("model", "iterations", "new_prompts", "n", "temperature", "top_p", "max_new_tokens",
               "judgments_per_response", "judge_max_new_tokens", "score_mode", "dpo_max_steps", "dpo_batch_size",
               "dpo_learning_rate", "dpo_beta", "max_length", "batch_size", "seed")


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    folder = run_dir(ctx.job)
    folder.mkdir(parents=True, exist_ok=True)
    prompts = Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")[: cfg.get("limit") or None]
    (folder / "seeds.jsonl").write_text("".join(json.dumps({"key": str(p.pk), "prompt": p.text}) + "\n" for p in prompts),
                                        encoding="utf-8")
    (folder / "rubric.yaml").write_text(ConstitutionVersion.objects.get(pk=cfg["constitution_version"]).document().to_yaml(),
                                        encoding="utf-8")
    config = {k: cfg[k] for k in LOOP_FIELDS if k in cfg}
    config |= {"seeds": str(folder / "seeds.jsonl"), "rubric": str(folder / "rubric.yaml"), "output": str(folder / "loop")}
    (folder / "loop.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    iterations: list[dict] = []

    def on_event(event: dict) -> None:
        kind = event["event"]
        if ctx.relay(event):
            return
        if kind in ("checkpoint", "resumed"):
            ctx.log(f"{kind}: {event.get('path') or event.get('checkpoint')}\n")
        elif kind == "iteration":
            model = register_iteration(ctx.job, event)
            iterations.append({k: event[k] for k in ("iteration", "pairs", "judge_accuracy", "dpo_loss")} | {"model": model.name})
            ctx.log(f"iteration {event['iteration']}: {event['pairs']} pairs, model {model.name}\n")
            ctx.metrics(event["iteration"], {"loop/pairs": event["pairs"], **(
                {"loop/judge_accuracy": event["judge_accuracy"]["value"]}
                if event.get("judge_accuracy") and event["judge_accuracy"]["value"] is not None else {})})

    ctx.run_child(python_module("alignment", "self-reward", "--events", "--config", str(folder / "loop.yaml")), on_event)
    return {"iterations": iterations}
