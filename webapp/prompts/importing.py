"""Importing a prompt set from JSONL or CSV: validated whole before anything is saved."""

from __future__ import annotations

import csv
import io
import json

from django.db import transaction

from alignment.errors import UserError
from webapp.prompts.models import Prompt, PromptSet

MAX_BYTES = 20 * 1024 * 1024
MAX_PROMPTS = 100_000
MAX_PROMPT_CHARS = 20_000


def _prompt_of(obj: dict, where: str) -> str:
    if "prompt" in obj:
        text = obj["prompt"]
    elif "messages" in obj:
        messages = obj["messages"]
        users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"] \
            if isinstance(messages, list) else []
        if not users:
            raise UserError(f"{where}: 'messages' has no user message")
        text = users[-1]
    else:
        raise UserError(f"{where}: needs a 'prompt' field or chat 'messages'")
    if not isinstance(text, str) or not text.strip():
        raise UserError(f"{where}: the prompt is empty")
    if len(text) > MAX_PROMPT_CHARS:
        raise UserError(f"{where}: the prompt has {len(text)} characters; the limit is {MAX_PROMPT_CHARS}")
    return text.strip()


def parse(name: str, data: bytes) -> list[tuple[str, str, str]]:
    """(key, text, category) rows from a .jsonl or .csv upload."""
    if len(data) > MAX_BYTES:
        raise UserError(f"{name}: {len(data)} bytes; the limit is {MAX_BYTES}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text") from None
    rows: list[tuple[str, str, str]] = []
    if name.lower().endswith(".jsonl"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise UserError(f"{name} line {number}: not valid JSON") from None
            if not isinstance(obj, dict):
                raise UserError(f"{name} line {number}: expected a JSON object")
            key = str(obj.get("key") or obj.get("id") or number)
            rows.append((key, _prompt_of(obj, f"{name} line {number}"), str(obj.get("category") or "")[:100]))
    elif name.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "prompt" not in reader.fieldnames:
            raise UserError(f"{name}: the header needs a 'prompt' column")
        for number, row in enumerate(reader, start=2):
            key = str(row.get("key") or row.get("id") or number)
            rows.append((key, _prompt_of(row, f"{name} line {number}"), (row.get("category") or "")[:100]))
    else:
        raise UserError(f"{name}: upload a .jsonl or .csv file")
    if not rows:
        raise UserError(f"{name}: no prompts found")
    if len(rows) > MAX_PROMPTS:
        raise UserError(f"{name}: {len(rows)} prompts; the limit is {MAX_PROMPTS}")
    seen: set[str] = set()
    for key, _, _ in rows:
        if len(key) > 200:
            raise UserError(f"{name}: key {key[:40]!r}... is longer than 200 characters")
        if key in seen:
            raise UserError(f"{name}: duplicate key {key!r}")
        seen.add(key)
    return rows


@transaction.atomic
def import_prompt_set(name: str, description: str, filename: str, data: bytes) -> PromptSet:
    name = name.strip()
    if not name:
        raise UserError("name: required")
    if PromptSet.objects.filter(name=name).exists():
        raise UserError(f"name: a prompt set called {name!r} already exists")
    rows = parse(filename, data)
    prompt_set = PromptSet.objects.create(name=name, description=description, source=f"upload: {filename}"[:200])
    Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=k, text=t, category=c) for k, t, c in rows],
                               batch_size=1000)
    return prompt_set
