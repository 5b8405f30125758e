"""Prompt sets: loading the shipped ones, which prompts a launch takes, saved splits, and
launching the sampling job."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from alignment import records, redteam, splits
from alignment.errors import UserError
from alignment.sampling import SampleConfig
from webapp.core.model_names import check_model, lineage
from webapp.core.models import record
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


def pick(limit: int | None = None, offset: int | None = 0, sample_seed: int | None = None) -> dict:
    """Which of a set's prompts a launch takes (its snapshot keys; `chosen_prompts` reads them): a
    seeded random sample of the set or the set in order, from `offset`, at most `limit`."""
    if limit is not None and not 1 <= limit <= 10_000_000:
        raise UserError("limit must be at least 1")
    if not 0 <= (offset or 0) <= 10_000_000:
        raise UserError("offset must be between 0 and 10000000")
    if sample_seed is not None and not 0 <= sample_seed < 2**32:
        raise UserError("sample seed must be between 0 and 4294967295")
    return {"limit": limit, "offset": offset or 0, "sample_seed": sample_seed}


def launch_sampling(user, prompt_set: PromptSet, choices: dict, limit: int | None = None, queue: str = "default",
                    offset: int = 0, sample_seed: int | None = None, shards: int = 1):
    """Validate everything a sampling run needs before a job exists, then launch it (as `shards`
    jobs that any workers pick up, when more than 1)."""
    config = SampleConfig.from_choices(choices)
    model = check_model(user, config.model)  # an unknown or unreadable model fails here, not in the worker
    if not prompt_set.prompts.exists():
        raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
    snapshot = config.choices() | {"prompt_set": prompt_set.pk, "prompt_set_name": prompt_set.name} | pick(
        limit, offset, sample_seed)
    if shards > 1:
        return jobs.launch_sharded("sample", snapshot, user, shards, queue=queue, derived_from=lineage(model))
    return jobs.launch("sample", snapshot, user, queue=queue, derived_from=lineage(model))


def sampling_summary(job: Job) -> dict:
    """The prompts the job took, and the responses stored for its run (a shard's go to its parent)."""
    return {"responses": Response.objects.filter(job=job.results_job).count(), "prompts": len(chosen_prompts(job))}


@transaction.atomic
def split_prompt_set(user, prompt_set: PromptSet, heldout: float, seed: int) -> tuple[PromptSet, PromptSet]:
    """Save a train / held-out split of a set as two new sets (each prompt in exactly one, drawn
    from the seed and its key), so an evaluation on the held-out part never sees a training prompt."""
    from webapp.accounts.roles import require

    require(user, "operator")
    if not 0.01 <= heldout <= 0.99:
        raise UserError("the held-out share must be between 0.01 and 0.99")
    if not 0 <= seed < 2**32:
        raise UserError("seed must be between 0 and 4294967295")
    prompts = list(prompt_set.prompts.order_by("id"))
    parts: dict[str, list[Prompt]] = {"train": [], "held-out": []}
    for p in prompts:
        parts["held-out" if splits.held_out(seed, p.key, heldout) else "train"].append(p)
    if not parts["train"] or not parts["held-out"]:
        raise UserError(f"{len(prompts)} prompts are too few to split with a held-out share of {heldout}")
    made = []
    for part, members in parts.items():
        name = f"{prompt_set.name} · {part}"[:200]
        if PromptSet.objects.filter(name=name).exists():
            raise UserError(f"a prompt set named {name!r} already exists: this set was split before")
        made.append(PromptSet.objects.create(
            name=name, source=f"split of set {prompt_set.pk}"[:200],
            description=f"The {part} part ({len(members)} of {len(prompts)} prompts) of {prompt_set.name}, "
                        f"held-out share {heldout}, seed {seed}: each prompt is in exactly one part."))
        Prompt.objects.bulk_create([Prompt(prompt_set=made[-1], key=p.key, text=p.text, category=p.category,
                                           meta={**p.meta, "split_of": prompt_set.pk}) for p in members],
                                   batch_size=1000)
    record(user, "split_prompt_set", prompt_set, heldout=heldout, seed=seed, train=made[0].pk, heldout_set=made[1].pk)
    return made[0], made[1]


def chosen_prompts(job: Job) -> list[Prompt]:
    """The prompts a job was launched on (see `pick`), in id order."""
    cfg = job.config
    qs = Prompt.objects.filter(prompt_set_id=cfg["prompt_set"]).order_by("id")
    start, limit = cfg.get("offset") or 0, cfg.get("limit")
    end = start + limit if limit else None
    if cfg.get("sample_seed") is None:
        chosen = list(qs[start:end])
    else:
        ids = list(qs.values_list("id", flat=True))
        random.Random(cfg["sample_seed"]).shuffle(ids)
        taken = sorted(ids[start:end])
        chosen = [p for i in range(0, len(taken), 5000) for p in qs.filter(id__in=taken[i:i + 5000])]
    if cfg.get("shard") is not None:  # a shard of a sharded run takes every shards-th of them
        chosen = chosen[cfg["shard"]::cfg["shards"]]
    return chosen


def prompt_row(prompt: Prompt, **extra) -> dict:
    return records.prompt_row(str(prompt.pk), prompt.text, **extra)


def unsampled(job: Job) -> tuple[list[Prompt], int]:
    """(prompts still short of N responses, how many prompts are done): a resumed job samples
    only what its earlier attempts did not store."""
    prompts = chosen_prompts(job)
    counts = dict(Response.objects.filter(job=job.results_job).values_list("prompt_id").annotate(c=Count("id"))
                  .values_list("prompt_id", "c"))
    remaining = [p for p in prompts if counts.get(p.pk, 0) < job.config["n"]]
    return remaining, len(prompts) - len(remaining)


def store_responses(job: Job, items: list[dict]) -> None:
    """Sampled responses, as the child reports them; (job, prompt, sample_index) is their
    idempotent key, so a resumed job may send a sample again."""
    Response.objects.bulk_create([
        Response(job=job.results_job, prompt_id=int(i["key"]), sample_index=i["sample_index"], text=i["text"], model=i["model"],
                 temperature=i["params"]["temperature"], top_p=i["params"]["top_p"],
                 max_new_tokens=i["params"]["max_new_tokens"], seed=i["params"]["seed"],
                 finish_reason=i["finish_reason"], completion_tokens=i["completion_tokens"])
        for i in items
    ], ignore_conflicts=True)


def ingest_samples(job: Job, event: dict) -> None:
    if event["event"] == "records":
        store_responses(job, event["items"])
