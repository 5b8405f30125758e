"""Prompt sets: loading the shipped ones, and launching the sampling job."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from alignment import redteam
from alignment.errors import UserError
from alignment.models import resolve_model
from alignment.sampling import SampleConfig
from webapp.jobs import services as jobs
from webapp.prompts.models import Prompt, PromptSet

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


def launch_sampling(user, prompt_set: PromptSet, params: dict):
    """Validate everything a sampling run needs before a job exists, then launch it."""
    config = SampleConfig(**{k: params[k] for k in ("model", "n", "temperature", "top_p", "max_new_tokens", "seed", "batch_size")})
    config.validate()
    resolve_model(config.model)  # an unknown or unreadable model fails here, not in the worker
    limit = params.get("limit")
    available = prompt_set.prompts.count()
    if available == 0:
        raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
    if limit is not None and limit < 1:
        raise UserError("limit must be at least 1")
    snapshot = {
        "prompt_set": prompt_set.pk,
        "prompt_set_name": prompt_set.name,
        "limit": limit,
        "model": config.model,
        "n": config.n,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "max_new_tokens": config.max_new_tokens,
        "seed": config.seed,
        "batch_size": config.batch_size,
    }
    return jobs.launch("sample_responses", snapshot, user, queue=params.get("queue") or "default")
