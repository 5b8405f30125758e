"""The one home of Charter's record formats: prompt rows, preference records, SFT records.

- Prompt rows: `{key, prompt[, responses][, category, ...]}`, one per JSONL line.
- Preference records follow TRL's conversational format: `prompt` (the user turn), `chosen` and
  `rejected` (assistant turns), plus columns TRL ignores (soft label, margin, principles,
  lineage). SFT records carry `prompt` and `completion`.
- A dataset's SHA-256 is taken over its records as canonical JSON lines, so the same records
  give the same hash whether they were written as JSONL, Parquet or a `datasets` folder.

Readers name a bad record by its line or row; nothing here unpickles anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from alignment.errors import UserError

# One encoder for every line: json.dumps(record, ensure_ascii=False) builds a new one per call,
# which is measurable at a million records. Changing these settings changes every hash.
_encode = json.JSONEncoder(ensure_ascii=False).encode
KINDS = ("preference", "sft", "unpaired")
FORMATS = {"jsonl": ".jsonl", "parquet": ".parquet", "hf": ".tar"}
PARQUET_BATCH = 2000


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


def parquet_objects(source: Path | IO[bytes], name: str, max_bytes: int | None = None,
                    max_rows: int | None = None) -> Iterator[tuple[str, dict]]:
    """(where, object) per row, a batch at a time; `where` is "NAME row N". With the limits, the
    row count comes from the file's metadata and each batch's decoded size is measured before it
    becomes Python objects: text columns are read dictionary-encoded, so a file of a kilobyte
    whose rows all point at one long dictionary value (gigabytes once decoded) is refused while
    it still costs kilobytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(source)
        if max_rows is not None and meta.metadata.num_rows > max_rows:
            raise UserError(f"{name}: {meta.metadata.num_rows} rows; the limit is {max_rows}")
        text_columns = [column.path for column in meta.schema if column.physical_type == "BYTE_ARRAY"]
        rows = pq.ParquetFile(source, read_dictionary=text_columns) if max_bytes is not None else meta
        number, decoded = 0, 0
        for batch in rows.iter_batches(batch_size=PARQUET_BATCH):
            if max_bytes is not None:
                decoded += sum(_decoded_bytes(column) for column in batch.columns)
                if decoded > max_bytes:
                    raise UserError(f"{name}: its rows decode to more than {max_bytes} bytes (the limit)")
            for obj in batch.to_pylist():
                number += 1
                yield f"{name} row {number}", obj
    except (pa.ArrowException, OSError) as exc:
        raise UserError(f"{name}: not a readable Parquet file ({str(exc)[:200]})") from None


def _decoded_bytes(array) -> int:
    """The bytes an Arrow array holds once every dictionary value is spelled out, computed from
    the indices (nothing is decoded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if isinstance(array, pa.ChunkedArray):
        return sum(_decoded_bytes(chunk) for chunk in array.chunks)
    if pa.types.is_dictionary(kind):
        lengths = pc.binary_length(array.dictionary) if _is_text(kind.value_type) else None
        if lengths is None:
            return int(array.nbytes)
        return int(pc.sum(pc.take(lengths, array.indices)).as_py() or 0)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _decoded_bytes(array.flatten()) + len(array) * 8
    if pa.types.is_struct(kind):
        return sum(_decoded_bytes(array.field(i)) for i in range(kind.num_fields))
    if _is_text(kind):
        return int(pc.sum(pc.binary_length(array)).as_py() or 0) + len(array) * 8
    return int(array.nbytes)


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
        or pa.types.is_large_binary(kind)


def csv_objects(text: str, name: str, required: str) -> Iterator[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or required not in reader.fieldnames:
        raise UserError(f"{name}: the header needs a '{required}' column")
    try:
        for number, row in enumerate(reader, start=2):
            yield f"{name} line {number}", row
    except csv.Error as exc:
        raise UserError(f"{name}: not valid CSV ({exc})") from None


def read_records(path: str | Path) -> list[dict]:
    """Every record of a dataset file: JSONL, Parquet, or a `datasets` folder (a directory, or
    the .tar Charter exports)."""
    source = Path(path)
    if not str(path) or not source.exists():
        raise UserError(f"dataset {str(path)!r} does not exist")
    try:
        if source.is_dir():
            return _from_datasets_folder(source)
        if source.suffix == ".jsonl":
            return [obj for _, obj in read_jsonl(source)]
        if source.suffix == ".parquet":
            return [obj for _, obj in parquet_objects(source, source.name)]
        if source.suffix == ".tar":
            with tempfile.TemporaryDirectory() as tmp, tarfile.open(source) as tar:
                tar.extractall(tmp, filter="data")  # refuses absolute paths, "..", links out of tmp
                folders = [p.parent for p in Path(tmp).rglob("dataset_info.json")]
                if len(folders) != 1:
                    raise UserError(f"{source.name} does not hold one datasets folder")
                return _from_datasets_folder(folders[0])
    except (OSError, ValueError, tarfile.TarError) as exc:
        raise UserError(f"cannot read dataset {source.name}: {exc}") from exc
    raise UserError(f"dataset {source.name}: expected .jsonl, .parquet, .tar or a datasets folder")


def _from_datasets_folder(folder: Path) -> list[dict]:
    from datasets import load_from_disk

    return load_from_disk(str(folder)).to_list()


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


def parquet_schema(kind: str):
    import pyarrow as pa

    turn = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    lineage = [("pair_id", pa.int64()), ("constitution_version", pa.int64()), ("run", pa.int64())]
    if kind == "sft":  # round: SL-CAI's revision step (0: not a revision); mix: harmless or helpful
        return pa.schema([("prompt", turn), ("completion", turn), ("round", pa.int64()), ("mix", pa.string()),
                          *lineage])
    if kind == "unpaired":
        return pa.schema([("prompt", turn), ("completion", turn), ("label", pa.bool_()), ("why", pa.string()),
                          *lineage])
    return pa.schema([("prompt", turn), ("chosen", turn), ("rejected", turn), ("tie", pa.bool_()),
                      ("soft_label", pa.float64()), ("margin", pa.float64()), ("human_verdict", pa.string()),
                      ("method", pa.string()), ("principles", pa.list_(pa.string())),
                      ("negated", pa.list_(pa.string())), *lineage])


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


Lines = Iterator[tuple[dict, bytes]]


def write_dataset(records: Iterable[dict], path: Path, format: str, kind: str,
                  on_record: Callable[[], None] = lambda: None) -> tuple[str, int]:
    """Stream records to `path` in a format, hashing their canonical lines as they go; returns
    (sha256, rows). Each record is encoded once, for the hash and (in JSONL) for the file."""
    digest, count = hashlib.sha256(), [0]

    def lines() -> Lines:
        for record in records:
            line = canonical_line(record)
            digest.update(line)
            count[0] += 1
            on_record()
            yield record, line

    WRITERS[format](lines(), path, kind)
    return digest.hexdigest(), count[0]


def _write_jsonl_lines(rows: Lines, path: Path, kind: str) -> None:
    # A large buffer: one write call per MiB rather than per 8 KiB (system calls cost here).
    with path.open("wb", buffering=1 << 20) as out:
        for _, line in rows:
            out.write(line)
        out.flush()
        os.fsync(out.fileno())


def _write_parquet(rows: Lines, path: Path, kind: str) -> None:
    """Row groups of PARQUET_BATCH records: memory holds one group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(kind)
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict] = []
        for record, _ in rows:
            batch.append(record)
            if len(batch) == PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _write_hf(rows: Lines, path: Path, kind: str) -> None:
    """A `datasets` folder (save_to_disk), built from a Parquet file and shipped as a tar."""
    import datasets
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        parquet = Path(tmp) / "records.parquet"
        _write_parquet(rows, parquet, kind)
        folder = Path(tmp) / path.name.split(".")[0]
        if pq.ParquetFile(parquet).metadata.num_rows:  # memory-mapped from the Parquet file
            loaded = datasets.Dataset.from_parquet(str(parquet), cache_dir=str(Path(tmp) / "cache"))
        else:  # from_parquet refuses a file with no rows
            loaded = datasets.Dataset(parquet_schema(kind).empty_table())
        loaded.save_to_disk(str(folder))
        del loaded
        with tarfile.open(path, "w") as tar:
            tar.add(folder, arcname=folder.name)


WRITERS: dict[str, Callable[[Lines, Path, str], None]] = {
    "jsonl": _write_jsonl_lines, "parquet": _write_parquet, "hf": _write_hf}
