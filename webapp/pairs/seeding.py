"""Synthetic preference pairs at scale, for benchmarks and load tests (`manage.py seed_pairs`).

The pairs look like a feedback run's: varied margins, ties, order disagreements, lengths,
principles and methods, under one real constitution version and one job.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

from django.db import transaction

from alignment.constitution import from_yaml
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet

PRINCIPLES = ("helpful", "honest", "harmless", "concise")
WORDS = ("the", "answer", "explains", "clearly", "why", "water", "boils", "at", "lower", "temperatures", "on",
         "mountains", "because", "air", "pressure", "drops", "so", "molecules", "escape", "sooner", "than", "usual")
SEED_YAML = "name: Seeded rules\nprinciples:\n" + "".join(
    f"  - key: {k}\n    kind: comparison\n    title: {k.title()}\n    text: Prefer the more {k} answer.\n"
    f"    comparison: Which response is more {k}?\n" for k in PRINCIPLES)


def seed_context(user, prompts: int = 1000):
    """One constitution version, one job and a prompt set the pairs point at."""
    from webapp.constitutions import services as constitutions
    from webapp.constitutions.models import Constitution

    existing = Constitution.objects.filter(name="Seeded rules").first()
    version = existing.head if existing else constitutions.create(user, from_yaml(SEED_YAML.encode())).head
    job = Job.objects.create(kind="feedback", status="succeeded", created_by=user, constitution_version=version,
                             config={"seeded": True, "policy_model": "seeded", "judge_model": "seeded"})
    prompt_set = PromptSet.objects.create(name=f"Seeded prompts (job {job.pk})", source="seed_pairs")
    rng = random.Random(job.pk)
    Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=f"s{i}", text=_sentence(rng, 12)) for i in range(prompts)],
                               batch_size=1000)
    return version, job, list(prompt_set.prompts.values_list("id", flat=True))


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_pairs(version, job, prompt_ids: list[int], count: int, start: int = 0, seed: int = 0) -> Iterator[dict]:
    rng = random.Random(seed)
    for i in range(start, start + count):
        margin = round(rng.random() ** 2, 4)
        tie = margin < 0.05
        chosen, rejected = _sentence(rng, rng.randint(5, 60)), _sentence(rng, rng.randint(5, 60))
        method = "salmon" if i % 3 == 0 else "rl_cai"
        yield {"job_id": job.pk, "prompt_id": prompt_ids[i % len(prompt_ids)], "key": f"seed{i}", "method": method,
               "constitution_version_id": version.pk, "chosen": chosen, "rejected": rejected,
               "soft_label": 0.5 + margin / 2, "margin": margin, "tie": tie, "principles": [PRINCIPLES[i % 4]],
               "order_disagreement": tie or rng.random() < 0.03}


def orm_bulk_create(pairs: Iterator[dict], batch: int = 5000) -> int:
    """Django's bulk_create in batches, one transaction each (the middle row of the benchmark)."""
    n, buffer = 0, []
    for pair in pairs:
        buffer.append(PreferencePair(**pair, length_diff=len(pair["chosen"]) - len(pair["rejected"])))
        if len(buffer) == batch:
            with transaction.atomic():
                PreferencePair.objects.bulk_create(buffer)
            n, buffer = n + len(buffer), []
    if buffer:
        with transaction.atomic():
            PreferencePair.objects.bulk_create(buffer)
        n += len(buffer)
    return n


def row_by_row(pairs: Iterator[dict]) -> int:
    """The naive way, for the benchmark's ratio: one INSERT and one commit per pair."""
    n = 0
    for pair in pairs:
        PreferencePair.objects.create(**pair, length_diff=len(pair["chosen"]) - len(pair["rejected"]))
        n += 1
    return n


def timed(fn, *args) -> tuple[int, float]:
    started = time.perf_counter()
    n = fn(*args)
    return n, time.perf_counter() - started
