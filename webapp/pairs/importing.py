"""Importing external preference data (JSONL or Parquet; prompt / chosen / rejected as text
or as chat messages, TRL's conversational format included) as a human-labeled or external
set. The whole file is validated before anything is written; one transaction writes it all.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from alignment import human_sets, record_files, records
from alignment.errors import UserError
from alignment.names import check_name
from webapp.accounts.roles import require
from webapp.core.models import record
from webapp.feedback.ingest import insert_pairs
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet

MAX_BYTES = 100 * 1024 * 1024
MAX_PAIRS = 1_000_000
MAX_CHARS = 100_000
SOURCES = ("human", "external")


def _objects(name: str, data: bytes) -> Iterator[tuple[str, Any]]:
    lower = name.lower()
    if lower.endswith(".jsonl"):
        yield from records.jsonl_lines(records.decode(name, data).splitlines(), name)
    elif lower.endswith(".parquet"):
        yield from record_files.parquet_objects(io.BytesIO(data), name, max_bytes=MAX_BYTES, max_rows=MAX_PAIRS)
    else:
        raise UserError(f"{name}: upload a .jsonl or .parquet file")


def parse(name: str, data: bytes) -> list[dict]:
    if len(data) > MAX_BYTES:
        raise UserError(f"{name}: {len(data)} bytes; the limit is {MAX_BYTES}")
    pairs = []
    for where, obj in _objects(name, data):
        pairs.append(records.parse_preference(obj, where, MAX_CHARS))
        if len(pairs) > MAX_PAIRS:
            raise UserError(f"{name}: more than {MAX_PAIRS} pairs")
    if not pairs:
        raise UserError(f"{name}: no pairs found")
    return pairs


def import_pairs(user, name: str, source: str, filename: str, data: bytes, split: bool = False) -> Job:
    """Returns the import's job row: the run the imported pairs belong to. With `split`, a
    human-labelled set is split at random (seeded, by prompt) into a calibration part and a test
    part, two imports named "NAME (calibration)" and "NAME (test)"; the first is returned."""
    require(user, "operator")
    name = check_name(name, "the imported set's name")
    if source not in SOURCES:
        raise UserError(f"source must be one of {', '.join(SOURCES)}")
    pairs = parse(filename, data)
    if not split:
        return store_import(user, name, source, filename, pairs)
    with transaction.atomic():
        parts = split_pairs(pairs)
        jobs = [store_import(user, f"{name} ({part})", source, filename, rows, human_set=name, part=part)
                for part, rows in parts.items()]
    return jobs[0]


def split_pairs(pairs: list[dict], seed: int = human_sets.SEED) -> dict[str, list[dict]]:
    """The calibration and test parts, drawn per prompt (alignment.human_sets.in_test)."""
    parts: dict[str, list[dict]] = {"calibration": [], "test": []}
    for pair in pairs:
        parts["test" if human_sets.in_test(pair["prompt"], seed) else "calibration"].append(pair)
    if not parts["calibration"] or not parts["test"]:
        raise UserError("too few prompts to split into a calibration part and a test part")
    return parts


def store_import(user, name: str, source: str, filename: str, pairs: list[dict], description: str = "",
                 **config) -> Job:
    """One imported set in one transaction: its job row, its prompts and its pairs."""
    with transaction.atomic():
        if PromptSet.objects.filter(name=name).exists():
            raise UserError(f"a prompt set named {name!r} already exists")
        now = timezone.now()
        job = Job.objects.create(kind="import", status=Job.Status.SUCCEEDED, created_by=user, started_at=now,
                                 finished_at=now, progress_done=len(pairs), progress_total=len(pairs),
                                 config={"name": name, "source": source, "filename": filename[:200], **config},
                                 result={"pairs": len(pairs)})
        prompt_set = PromptSet.objects.create(
            name=name, source=f"pairs import (job {job.pk})",
            description=description or f"Prompts of the {source} preference pairs in {filename[:200]}")
        columns: dict[str, dict] = {}  # a prompt's metadata: its first pair's other columns
        for p in pairs:
            columns.setdefault(p["prompt"], p.get("columns") or {})
        Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=f"i{n}", text=t,
                                           category=cols.get("category", "")[:100],
                                           meta={"columns": cols} if cols else {})
                                    for n, (t, cols) in enumerate(columns.items())], batch_size=2000)
        ids = dict(Prompt.objects.filter(prompt_set=prompt_set).values_list("text", "id"))
        insert_pairs({"job_id": job.pk, "prompt_id": ids[p["prompt"]], "key": f"import{n}", "method": source,
                      "constitution_version_id": None, "chosen": p["chosen"], "rejected": p["rejected"],
                      "soft_label": p["soft_label"], "margin": p["margin"], "tie": p["tie"]}
                     for n, p in enumerate(pairs))
        record(user, "import_pairs", job, filename=filename[:200], pairs=len(pairs), source=source)
    return job


def append_pairs(user, name: str, source: str, note: str, pairs: list[dict]) -> Job:
    """Add pairs to the imported set called `name` (made on first use): how the playground keeps
    the exchanges people labelled. The set's row is locked, so two saves never share a key."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(kind="import", config__name=name).order_by("id").first()
        if job is None:
            return store_import(user, name, source, note, pairs, description=f"Pairs kept from {note} and later")
        prompt_set = PromptSet.objects.get(name=name)
        start = PreferencePair.objects.filter(job=job).count()
        for n, p in enumerate(pairs, start):
            prompt, _ = Prompt.objects.get_or_create(prompt_set=prompt_set, text=p["prompt"], defaults={"key": f"i{n}"})
            insert_pairs([{"job_id": job.pk, "prompt_id": prompt.pk, "key": f"import{n}", "method": source,
                           "constitution_version_id": None, "chosen": p["chosen"], "rejected": p["rejected"],
                           "soft_label": p["soft_label"], "margin": p["margin"], "tie": p["tie"]}])
        Job.objects.filter(pk=job.pk).update(result={**job.result, "pairs": start + len(pairs)})
        record(user, "import_pairs", job, filename=note[:200], pairs=len(pairs), source=source)
    return job


SHIPPED = "pyrit human scores"


def load_shipped_human_sets() -> list[Job]:
    """The human-labelled set built from pyrit's scorer evaluations (alignment.human_sets), as
    two imports, its calibration and test parts. Idempotent: a part already loaded is kept."""
    made = []
    parts = dict(zip(("calibration", "test"), human_sets.split(human_sets.pairs())))
    for part, items in parts.items():
        name = f"{SHIPPED} ({part})"
        if Job.objects.filter(kind="import", config__name=name).exists():
            continue
        rows = [{"prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected, "soft_label": 1.0, "margin": 1.0,
                 "tie": False} for p in items]
        made.append(store_import(None, name, "human", "pyrit datasets/scorer_evals", rows,
                                 description=human_sets.DESCRIPTION, human_set=SHIPPED, part=part,
                                 licence="MIT (pyrit)", rule=human_sets.RULE))
    return made
