"""Prompt sets: loading the shipped ones, and launching the sampling job."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from alignment import records, redteam
from alignment.errors import UserError
from alignment.sampling import SampleConfig
from webapp.core.model_names import check_model, lineage
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet, Response

BENIGN_FILE = settings.BASE_DIR / "data" / "prompt_sets" / "benign-instructions.jsonl"
BENIGN_DESCRIPTION = (
    "Benign instruction prompts written for Charter (advice, coding, writing, reasoning, facts, "
    "everyday tasks, science, maths, planning, explanations, creative and general wellness). "
    "Licence: same as Charter."
)


@dataclass(frozen=True)
class LoadedSet:
    name: str
    created: int


@transaction.atomic
def _upsert_set(name: str, description: str, source: str, rows: list[tuple[str, str, str]]) -> LoadedSet:
    prompt_set, _ = PromptSet.objects.update_or_create(
        name=name, defaults={"description": description, "source": source, "shipped": True}
    )
    existing = set(prompt_set.prompts.values_list("key", flat=True))
    new = [Prompt(prompt_set=prompt_set, key=k, text=t, category=c) for k, t, c in rows if k not in existing]
    Prompt.objects.bulk_create(new, batch_size=500)
    return LoadedSet(name, len(new))


def load_shipped_prompt_sets() -> list[LoadedSet]:
    """Idempotent: running it again adds only prompts that are not there yet."""
    rows = []
    for line in BENIGN_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            rows.append((obj["key"], obj["prompt"], obj["category"]))
    loaded = [_upsert_set("Benign instructions", BENIGN_DESCRIPTION, "charter", rows)]
    for source, spec in redteam.SOURCES.items():
        prompts = spec["loader"]()
        loaded.append(
            _upsert_set(
                f"Red team: {spec['name']}", spec["description"], source,
                [(p.key, p.prompt, p.category) for p in prompts],
            )
        )
    return loaded


def launch_sampling(user, prompt_set: PromptSet, choices: dict, limit: int | None = None, queue: str = "default"):
    """Validate everything a sampling run needs before a job exists, then launch it."""
    config = SampleConfig.from_choices(choices)
    model = check_model(user, config.model)  # an unknown or unreadable model fails here, not in the worker
    if not prompt_set.prompts.exists():
        raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
    if limit is not None and limit < 1:
        raise UserError("limit must be at least 1")
    snapshot = config.choices() | {"prompt_set": prompt_set.pk, "prompt_set_name": prompt_set.name, "limit": limit}
    return jobs.launch("sample", snapshot, user, queue=queue, derived_from=lineage(model))


def chosen_prompts(job: Job) -> list[Prompt]:
    """The prompts a job was launched on: its set, in id order, up to its limit."""
    cfg = job.config
    return list(Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")[: cfg.get("limit") or None])


def prompt_row(prompt: Prompt, **extra) -> dict:
    return records.prompt_row(str(prompt.pk), prompt.text, **extra)


def unsampled(job: Job) -> tuple[list[Prompt], int]:
    """(prompts still short of N responses, how many prompts are done): a resumed job samples
    only what its earlier attempts did not store."""
    prompts = chosen_prompts(job)
    counts = dict(Response.objects.filter(job=job).values_list("prompt_id").annotate(c=Count("id"))
                  .values_list("prompt_id", "c"))
    remaining = [p for p in prompts if counts.get(p.pk, 0) < job.config["n"]]
    return remaining, len(prompts) - len(remaining)


def store_responses(job: Job, items: list[dict]) -> None:
    """Sampled responses, as the child reports them; (job, prompt, sample_index) is their
    idempotent key, so a resumed job may send a sample again."""
    Response.objects.bulk_create([
        Response(job=job, prompt_id=int(i["key"]), sample_index=i["sample_index"], text=i["text"], model=i["model"],
                 temperature=i["params"]["temperature"], top_p=i["params"]["top_p"],
                 max_new_tokens=i["params"]["max_new_tokens"], seed=i["params"]["seed"],
                 finish_reason=i["finish_reason"], completion_tokens=i["completion_tokens"])
        for i in items
    ], ignore_conflicts=True)


def ingest_samples(job: Job, event: dict) -> None:
    if event["event"] == "records":
        store_responses(job, event["items"])
