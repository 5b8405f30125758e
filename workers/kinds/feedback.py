"""The "feedback" job: a whole AI-feedback run in a child process (`python -m alignment
feedback --events`). Samples, judgments, pairs and revisions are stored as they arrive, with
idempotent keys; a resumed run skips prompts already judged and reuses stored samples."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from django.db import transaction

from webapp.constitutions.models import ConstitutionVersion
from webapp.feedback.models import Judgment, PreferencePair, Revision
from webapp.feedback.services import RUN_FIELDS
from webapp.prompts.models import Prompt, Response
from workers.runner import JobContext, python_module


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    version = ConstitutionVersion.objects.get(pk=cfg["constitution_version"])
    prompts = list(Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")[: cfg.get("limit") or None])
    done = _judged_prompt_ids(ctx.job)
    remaining = [p for p in prompts if p.id not in done]
    samples: dict[int, list[str]] = {}
    for r in Response.objects.filter(job=ctx.job).order_by("prompt_id", "sample_index"):
        samples.setdefault(r.prompt_id, []).append(r.text)
    total, already = len(prompts), len(prompts) - len(remaining)
    ctx.progress(already, total, f"{already}/{total} prompts judged")
    if remaining:
        by_key = {str(p.id): p for p in remaining}
        state = {"judged": already}
        with tempfile.TemporaryDirectory(prefix=f"charter-job{ctx.job.pk}-") as tmp:
            prompts_path, constitution_path, config_path = (Path(tmp) / n for n in ("prompts.jsonl", "c.yaml", "run.yaml"))
            prompts_path.write_text("".join(
                json.dumps({"key": str(p.id), "prompt": p.text, "responses": samples.get(p.id, [])}) + "\n" for p in remaining
            ), encoding="utf-8")
            constitution_path.write_text(version.document().to_yaml(), encoding="utf-8")
            config_path.write_text(yaml.safe_dump(
                {**{k: cfg[k] for k in RUN_FIELDS}, "prompts": str(prompts_path), "constitution": str(constitution_path)}))

            def on_event(event: dict) -> None:
                if event["event"] != "records":
                    return
                ctx.check_cancel()
                if event["stage"] == "samples":
                    _store_samples(ctx, event["items"], by_key)
                    ctx.progress(state["judged"], total, "sampling responses")
                else:
                    _store_results(ctx, version, cfg, event["items"], by_key)
                    state["judged"] += len({i.get("pair_key", i["key"]) for i in event["items"]})
                    ctx.progress(state["judged"], total, f"{state['judged']}/{total} prompts judged")

            ctx.run_child(python_module("alignment", "feedback", "--events", "--config", str(config_path)), on_event)
    pairs = PreferencePair.objects.filter(job=ctx.job)
    return {"prompts": total, "pairs": pairs.filter(tie=False).count(), "ties": pairs.filter(tie=True).count(),
            "judgments": Judgment.objects.filter(job=ctx.job).count(), "revisions": Revision.objects.filter(job=ctx.job).count()}


def _judged_prompt_ids(job) -> set[int]:
    ids = set(Judgment.objects.filter(job=job).values_list("prompt_id", flat=True))
    return ids | set(Revision.objects.filter(job=job).values_list("prompt_id", flat=True))


def _store_samples(ctx: JobContext, items: list[dict], by_key: dict[str, Prompt]) -> None:
    Response.objects.bulk_create([
        Response(job=ctx.job, prompt=by_key[i["key"]], sample_index=i["sample_index"], text=i["text"], model=i["model"],
                 temperature=i["params"]["temperature"], top_p=i["params"]["top_p"],
                 max_new_tokens=i["params"]["max_new_tokens"], seed=i["params"]["seed"],
                 finish_reason=i["finish_reason"], completion_tokens=i["completion_tokens"])
        for i in items
    ], ignore_conflicts=True)


@transaction.atomic
def _store_results(ctx: JobContext, version, cfg: dict, items: list[dict], by_key: dict[str, Prompt]) -> None:
    """One batch of records in one transaction, so a prompt is either fully judged or not."""
    judge, method = cfg["judge_model"], cfg["method"]
    judgments, pairs, revisions = [], [], []
    for item in items:
        prompt = by_key[item.get("pair_key", item["key"])]
        common = {"job": ctx.job, "prompt": prompt, "constitution_version": version}
        if method in ("rl_cai", "salmon"):
            for j in item["judgments"]:
                judgments.append(Judgment(
                    **common, key=f"{item['key']}:{j['principle_key']}:{int(j['negated'])}:{j['order']}", judge_model=judge,
                    principle_key=j["principle_key"], order=j["order"], negated=j["negated"], p_a=j["p_a"],
                    p_first=j["p_first"], rationale=j["rationale"], latency_ms=j["latency_ms"]))
            pairs.append(PreferencePair(
                **common, key=item["key"], method=method, chosen=item["chosen"], rejected=item["rejected"],
                soft_label=item["soft_label"], margin=item["margin"], tie=item["tie"], principles=item["principles"],
                negated=item["negated"], length_diff=len(item["chosen"]) - len(item["rejected"]),
                order_disagreement=_orders_disagree(item["judgments"])))
        elif method == "self_rewarding":
            for response in item["responses"]:
                for n, j in enumerate(response["judgments"]):
                    judgments.append(Judgment(
                        **common, key=f"{item['key']}:{response['index']}:{n}", judge_model=judge,
                        principle_key=item["rubric"], response_index=response["index"], score=j["score"],
                        parse_status=j["parse_status"], raw=j["raw"], latency_ms=j["latency_ms"]))
            if not item["tie"]:
                pairs.append(PreferencePair(
                    **common, key=item["key"], method=method, chosen=item["chosen"], rejected=item["rejected"],
                    soft_label=1.0, margin=item["margin"], principles=[item["rubric"]],
                    chosen_score=item["chosen_score"], rejected_score=item["rejected_score"],
                    length_diff=len(item["chosen"]) - len(item["rejected"])))
        else:
            revisions.append(Revision(**common, key=item["key"], original=item["original"], revision=item["revision"],
                                      chain=item["chain"]))
            pairs.append(PreferencePair(
                **common, key=item["key"], method=method, chosen=item["revision"], rejected=item["original"],
                soft_label=1.0, margin=1.0, principles=sorted({c["principle"] for c in item["chain"]}),
                length_diff=len(item["revision"]) - len(item["original"])))
    Judgment.objects.bulk_create(judgments, ignore_conflicts=True)
    PreferencePair.objects.bulk_create(pairs, ignore_conflicts=True)
    Revision.objects.bulk_create(revisions, ignore_conflicts=True)


def _orders_disagree(judgments: list[dict]) -> bool:
    """True when, for some principle, the two presentation orders picked different winners."""
    winners: dict[tuple, set[bool]] = {}
    for j in judgments:
        winners.setdefault((j["principle_key"], j["negated"]), set()).add(j["p_first"] >= 0.5)
    return any(len(w) > 1 for w in winners.values())
