"""The one home of Charter's record formats: prompt rows, preference records, SFT records.

- Prompt rows: `{key, prompt[, responses][, category, ...]}`, one per JSONL line.
- Preference records follow TRL's conversational format: `prompt` (the user turn), `chosen` and
  `rejected` (assistant turns), plus columns TRL ignores (soft label, margin, principles,
  lineage). SFT records carry `prompt` and `completion`.
- A dataset's SHA-256 is taken over its records as canonical JSON lines, so the same records
  give the same hash whether they were written as JSONL, Parquet or a `datasets` folder
  (alignment/record_files.py reads and writes those files).

Readers name a bad record by its line or row; nothing here unpickles anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignment.errors import UserError

# One encoder for every line: json.dumps(record, ensure_ascii=False) builds a new one per call,
# which is measurable at a million records. Changing these settings changes every hash.
_encode = json.JSONEncoder(ensure_ascii=False).encode
KINDS = ("preference", "sft", "unpaired")


def canonical_line(record: dict) -> bytes:
    return (_encode(record) + "\n").encode()


def sha256_of(records: Iterable[dict]) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(canonical_line(record))
    return digest.hexdigest()


# --- reading ---------------------------------------------------------------------------------

def loads(line: str | bytes, where: str) -> Any:
    """One JSON value; malformed or absurdly nested text is the user's mistake, named by `where`."""
    try:
        return json.loads(line)
    except RecursionError:
        raise UserError(f"{where}: nested too deeply") from None
    except ValueError:
        raise UserError(f"{where}: not valid JSON") from None


def jsonl_lines(lines: Iterable[str], name: str) -> Iterator[tuple[str, Any]]:
    """(where, value) per non-blank line; `where` is "NAME line N"."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            where = f"{name} line {number}"
            yield where, loads(line, where)


def jsonl_objects(lines: Iterable[str], name: str) -> Iterator[tuple[str, dict]]:
    """(where, object) per non-blank line; a line that is not an object is refused."""
    for where, obj in jsonl_lines(lines, name):
        if not isinstance(obj, dict):
            raise UserError(f"{where}: expected a JSON object")
        yield where, obj


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not UTF-8 text") from None


def read_jsonl(path: Path | str) -> Iterator[tuple[str, dict]]:
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as lines:
            yield from jsonl_objects(lines, path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path.name}: {exc}") from None


def csv_objects(text: str, name: str, required: str) -> Iterator[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or required not in reader.fieldnames:
        raise UserError(f"{name}: the header needs a '{required}' column")
    try:
        for number, row in enumerate(reader, start=2):
            yield f"{name} line {number}", row
    except csv.Error as exc:
        raise UserError(f"{name}: not valid CSV ({exc})") from None


# --- prompt rows -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PromptRecord:
    key: str
    prompt: str
    responses: tuple[str, ...] = ()  # already sampled (a resumed run does not sample again)


def prompt_row(key: str, prompt: str, **extra: Any) -> dict:
    return {"key": str(key), "prompt": prompt, **extra}


def read_prompt_rows(path: Path | str) -> list[tuple[PromptRecord, dict]]:
    """Each {key, prompt[, responses]} line as a record, with the object it came from (callers
    read their own extra fields from it)."""
    rows = []
    for where, obj in read_jsonl(path):
        try:
            responses = tuple(str(r) for r in obj.get("responses") or ())
            rows.append((PromptRecord(str(obj["key"]), str(obj["prompt"]), responses), obj))
        except (KeyError, TypeError):
            raise UserError(f"{where}: expected a JSON object with 'key' and 'prompt'") from None
    return rows


def read_prompts(path: Path | str) -> list[PromptRecord]:
    records = [record for record, _ in read_prompt_rows(path)]
    if not records:
        raise UserError(f"{Path(path).name} holds no prompts")
    return records


def text_of(value: Any, role: str, where: str, field: str, max_chars: int) -> str:
    """A string, or the content of the last message with the role in a list of chat messages."""
    if isinstance(value, list):
        contents = [m.get("content") for m in value if isinstance(m, dict) and m.get("role") == role]
        if not contents:
            raise UserError(f"{where}: '{field}' has no {role} message")
        value = contents[-1]
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{where}: '{field}' is missing or empty")
    if len(value) > max_chars:
        raise UserError(f"{where}: '{field}' has {len(value)} characters; the limit is {max_chars}")
    return value


def prompt_of(obj: dict, where: str, max_chars: int) -> str:
    """The prompt of an uploaded prompt row: a `prompt` field or the last user turn of `messages`."""
    if "prompt" not in obj and "messages" not in obj:
        raise UserError(f"{where}: needs a 'prompt' field or chat 'messages'")
    return text_of(obj.get("prompt", obj.get("messages")), "user", where, "prompt", max_chars).strip()


ROLES = ("system", "user", "assistant")
MAX_TURNS, MAX_TURN_CHARS = 64, 20_000


def conversation(turns: Any, where: str = "conversation") -> list[dict]:
    """A chat conversation as {role, content} turns: an optional system turn first, then user
    and assistant turns, ending with the user's; each turn bounded."""
    if not isinstance(turns, list) or not 1 <= len(turns) <= MAX_TURNS:
        raise UserError(f"{where}: 1 to {MAX_TURNS} turns")
    out = []
    for n, turn in enumerate(turns, 1):
        role, content = (turn.get("role"), turn.get("content")) if isinstance(turn, dict) else (None, None)
        if role not in ROLES or (role == "system" and n != 1):
            raise UserError(f"{where} turn {n}: role must be user or assistant (system only first)")
        if not isinstance(content, str) or not content.strip() or len(content) > MAX_TURN_CHARS:
            raise UserError(f"{where} turn {n}: content must be text of 1 to {MAX_TURN_CHARS} characters")
        out.append({"role": role, "content": content})
    if out[-1]["role"] != "user":
        raise UserError(f"{where}: the last turn must be the user's")
    return out


def read_conversation(path: Path | str) -> list[dict]:
    return conversation(read_jsonl_list(path), str(path))


COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
MAX_COLUMNS, MAX_COLUMN_CHARS = 20, 200


def metadata_of(obj: dict, known: Iterable[str]) -> dict[str, str]:
    """An uploaded row's other scalar columns (e.g. a harm category or a source), kept as text so
    they can be shown and filtered: at most 20, names of letters, digits and _ (no __), values
    cut to 200 characters; nested values and other names are left out."""
    out: dict[str, str] = {}
    for name, value in obj.items():
        if name in known or value is None or isinstance(value, (dict, list)) or "__" in name:
            continue
        if COLUMN_NAME.fullmatch(name) and len(out) < MAX_COLUMNS:
            out[name] = (str(value).lower() if isinstance(value, bool) else str(value))[:MAX_COLUMN_CHARS]
    return out


# --- preference and SFT records --------------------------------------------------------------

def turns(value: Any, role: str, where: str) -> list[dict]:
    """A string becomes one turn of `role`; a list of {role, content} is kept as it is."""
    if isinstance(value, str) and value.strip():
        return [{"role": role, "content": value}]
    if isinstance(value, list) and value and all(
            isinstance(t, dict) and isinstance(t.get("role"), str) and isinstance(t.get("content"), str) for t in value):
        return [{"role": t["role"], "content": t["content"]} for t in value]
    raise UserError(f"{where}: expected text or a list of {{role, content}} turns")


def preference_record(prompt: str, chosen: str, rejected: str, **columns: Any) -> dict:
    return {"prompt": [{"role": "user", "content": prompt}], "chosen": [{"role": "assistant", "content": chosen}],
            "rejected": [{"role": "assistant", "content": rejected}], **columns}


def sft_record(prompt: str, completion: str, **columns: Any) -> dict:
    return {"prompt": [{"role": "user", "content": prompt}],
            "completion": [{"role": "assistant", "content": completion}], **columns}


def unpaired_record(prompt: str, completion: str, label: bool, **columns: Any) -> dict:
    """KTO's format: one completion, desirable (True) or not."""
    return {"prompt": [{"role": "user", "content": prompt}],
            "completion": [{"role": "assistant", "content": completion}], "label": label, **columns}


def length_diff(chosen: str, rejected: str) -> int:
    """Characters of chosen minus rejected: the length bias every pair view sorts and filters by."""
    return len(chosen) - len(rejected)


# (name, default, low, high) of the numeric columns an imported preference record may carry.
PREFERENCE_NUMBERS = (("soft_label", 1.0, 0.0, 1.0), ("margin", 1.0, 0.0, 100.0))


def parse_preference(obj: Any, where: str, max_chars: int) -> dict:
    """A preference record from outside (Charter's own exports, TRL's formats, plain text):
    prompt, chosen, rejected as text, tie, soft label and margin checked."""
    if not isinstance(obj, dict):
        raise UserError(f"{where}: expected an object with prompt, chosen and rejected")
    prompt = text_of(obj.get("prompt", obj.get("messages")), "user", where, "prompt", max_chars)
    chosen = text_of(obj.get("chosen"), "assistant", where, "chosen", max_chars)
    rejected = text_of(obj.get("rejected"), "assistant", where, "rejected", max_chars)
    tie = obj.get("tie", False)
    if not isinstance(tie, bool):
        raise UserError(f"{where}: 'tie' must be true or false")
    numbers = {}
    for field, default, low, high in PREFERENCE_NUMBERS:
        value = obj.get(field)
        value = default if value is None else value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise UserError(f"{where}: '{field}' must be a number between {low:g} and {high:g}")
        numbers[field] = float(value)
    columns = metadata_of(obj, {"prompt", "messages", "chosen", "rejected", "tie", *(f for f, *_ in PREFERENCE_NUMBERS)})
    return {"prompt": prompt, "chosen": chosen, "rejected": rejected, "tie": tie, **numbers, "columns": columns}


# --- writing ---------------------------------------------------------------------------------

def write_jsonl(path: Path, rows: Iterable[dict]) -> Path:
    """Write to a partial file and rename: a file that exists is complete."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb", buffering=1 << 20) as out:
        for row in rows:
            out.write(canonical_line(row))
    os.replace(partial, path)
    return path


def read_jsonl_list(path: Path | str) -> list[dict]:
    return [obj for _, obj in read_jsonl(path)]
