"""Importing external preference data (JSONL or Parquet; prompt / chosen / rejected as text
or as chat messages, TRL's conversational format included) as a human-labeled or external
set. The whole file is validated before anything is written; one transaction writes it all.
"""

from __future__ import annotations

import io
import json
from typing import Iterator

from django.db import transaction
from django.utils import timezone

from alignment.errors import UserError
from webapp.accounts.roles import require
from webapp.core.models import record
from webapp.feedback.ingest import insert_pairs
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet

MAX_BYTES = 100 * 1024 * 1024
MAX_PAIRS = 1_000_000
MAX_CHARS = 100_000
SOURCES = ("human", "external")


def _text(value, role: str, where: str, field: str) -> str:
    """A string, or the content of the last message with the role in a list of messages."""
    if isinstance(value, list):
        contents = [m.get("content") for m in value if isinstance(m, dict) and m.get("role") == role]
        if not contents:
            raise UserError(f"{where}: '{field}' has no {role} message")
        value = contents[-1]
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{where}: '{field}' is missing or empty")
    if len(value) > MAX_CHARS:
        raise UserError(f"{where}: '{field}' has {len(value)} characters; the limit is {MAX_CHARS}")
    return value


def _records(name: str, data: bytes) -> Iterator[tuple[str, dict]]:
    lower = name.lower()
    if lower.endswith(".jsonl"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UserError(f"{name}: not UTF-8 text") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise UserError(f"{name} line {number}: not valid JSON") from None
            yield f"{name} line {number}", obj
    elif lower.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(io.BytesIO(data))
            number = 0
            for batch in rows.iter_batches(batch_size=2000):
                for obj in batch.to_pylist():
                    number += 1
                    yield f"{name} row {number}", obj
        except (pa.ArrowException, OSError) as exc:
            raise UserError(f"{name}: not a readable Parquet file ({exc})") from None
    else:
        raise UserError(f"{name}: upload a .jsonl or .parquet file")


def parse(name: str, data: bytes) -> list[dict]:
    if len(data) > MAX_BYTES:
        raise UserError(f"{name}: {len(data)} bytes; the limit is {MAX_BYTES}")
    pairs = []
    for where, obj in _records(name, data):
        if not isinstance(obj, dict):
            raise UserError(f"{where}: expected an object with prompt, chosen and rejected")
        prompt = _text(obj.get("prompt", obj.get("messages")), "user", where, "prompt")
        chosen = _text(obj.get("chosen"), "assistant", where, "chosen")
        rejected = _text(obj.get("rejected"), "assistant", where, "rejected")
        tie = obj.get("tie", False)
        if not isinstance(tie, bool):
            raise UserError(f"{where}: 'tie' must be true or false")
        numbers = {}
        for field, default, low, high in (("soft_label", 1.0, 0.0, 1.0), ("margin", 1.0, 0.0, 100.0)):
            value = obj.get(field)
            value = default if value is None else value
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise UserError(f"{where}: '{field}' must be a number between {low:g} and {high:g}")
            numbers[field] = float(value)
        pairs.append({"prompt": prompt, "chosen": chosen, "rejected": rejected, "tie": tie, **numbers})
        if len(pairs) > MAX_PAIRS:
            raise UserError(f"{name}: more than {MAX_PAIRS} pairs")
    if not pairs:
        raise UserError(f"{name}: no pairs found")
    return pairs


def import_pairs(user, name: str, source: str, filename: str, data: bytes) -> Job:
    """Returns the import's job row: the run the imported pairs belong to."""
    require(user, "operator")
    name = (name or "").strip()
    if not name:
        raise UserError("a name for the imported set is required")
    if source not in SOURCES:
        raise UserError(f"source must be one of {', '.join(SOURCES)}")
    pairs = parse(filename, data)
    with transaction.atomic():
        if PromptSet.objects.filter(name=name).exists():
            raise UserError(f"a prompt set named {name!r} already exists")
        now = timezone.now()
        job = Job.objects.create(kind="import_pairs", status=Job.Status.SUCCEEDED, created_by=user, started_at=now,
                                 finished_at=now, progress_done=len(pairs), progress_total=len(pairs),
                                 config={"name": name, "source": source, "filename": filename[:200]},
                                 result={"pairs": len(pairs)})
        prompt_set = PromptSet.objects.create(name=name, source=f"pairs import (job {job.pk})",
                                              description=f"Prompts of the {source} preference pairs in {filename[:200]}")
        texts = list(dict.fromkeys(p["prompt"] for p in pairs))
        Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=f"i{n}", text=t) for n, t in enumerate(texts)],
                                   batch_size=2000)
        ids = dict(Prompt.objects.filter(prompt_set=prompt_set).values_list("text", "id"))
        insert_pairs({"job_id": job.pk, "prompt_id": ids[p["prompt"]], "key": f"import{n}", "method": source,
                      "constitution_version_id": None, "chosen": p["chosen"], "rejected": p["rejected"],
                      "soft_label": p["soft_label"], "margin": p["margin"], "tie": p["tie"]}
                     for n, p in enumerate(pairs))
        record(user, "import_pairs", job, filename=filename[:200], pairs=len(pairs), source=source)
    return job
