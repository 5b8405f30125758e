"""Importing a prompt set from JSONL or CSV: validated whole before anything is saved."""

from __future__ import annotations

from django.db import transaction

from alignment import records
from alignment.errors import UserError
from alignment.names import check_name
from webapp.prompts.models import Prompt, PromptSet

MAX_BYTES = 20 * 1024 * 1024
MAX_PROMPTS = 100_000
MAX_PROMPT_CHARS = 20_000


KNOWN = {"key", "id", "prompt", "messages", "category"}


def parse(name: str, data: bytes) -> list[tuple[str, str, str, dict]]:
    """(key, text, category, other columns) rows from a .jsonl or .csv upload."""
    if len(data) > MAX_BYTES:
        raise UserError(f"{name}: {len(data)} bytes; the limit is {MAX_BYTES}")
    text = records.decode(name, data)
    lower = name.lower()
    if lower.endswith(".jsonl"):
        objects = records.jsonl_objects(text.splitlines(), name)
    elif lower.endswith(".csv"):
        objects = records.csv_objects(text, name, required="prompt")
    else:
        raise UserError(f"{name}: upload a .jsonl or .csv file")
    rows: list[tuple[str, str, str, dict]] = []
    for where, obj in objects:
        key = str(obj.get("key") or obj.get("id") or where.rpartition(" ")[2])
        rows.append((key, records.prompt_of(obj, where, MAX_PROMPT_CHARS), str(obj.get("category") or "")[:100],
                     records.metadata_of(obj, KNOWN)))
        if len(rows) > MAX_PROMPTS:
            raise UserError(f"{name}: more than {MAX_PROMPTS} prompts; the limit is {MAX_PROMPTS}")
    if not rows:
        raise UserError(f"{name}: no prompts found")
    seen: set[str] = set()
    for key, *_ in rows:
        if len(key) > 200:
            raise UserError(f"{name}: key {key[:40]!r}... is longer than 200 characters")
        if key in seen:
            raise UserError(f"{name}: duplicate key {key!r}")
        seen.add(key)
    return rows


@transaction.atomic
def import_prompt_set(name: str, description: str, filename: str, data: bytes) -> PromptSet:
    name = check_name(name)
    if PromptSet.objects.filter(name=name).exists():
        raise UserError(f"name: a prompt set called {name!r} already exists")
    rows = parse(filename, data)
    prompt_set = PromptSet.objects.create(name=name, description=description, source=f"upload: {filename}"[:200])
    Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=k, text=t, category=c,
                                       meta={"columns": m} if m else {}) for k, t, c, m in rows], batch_size=1000)
    return prompt_set
