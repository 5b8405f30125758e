"""Training records: read a Dataset file (what an export wrote, or the user's own), check that
it fits the method, and bring every record into TRL's conversational form.

Files are JSONL, Parquet, or a `datasets` folder (a directory, or the .tar Charter exports);
nothing is unpickled. Instructable reward models get the principles a pair was judged under
as a system turn, in their negated form where the judgment was negated (SALMON).
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path

from alignment.errors import UserError

NEEDS = {
    "sft": ("prompt", "completion"),
    "dpo": ("prompt", "chosen", "rejected"),
    "reward": ("chosen", "rejected"),
    "grpo": ("prompt",),
    "rloo": ("prompt",),
}
RM_SYSTEM = "Rate the assistant's response by how well it follows these principles:\n"


def read_records(path: str) -> list[dict]:
    source = Path(path)
    if not path or not source.exists():
        raise UserError(f"dataset {path!r} does not exist")
    try:
        if source.is_dir():
            return _from_datasets_folder(source)
        if source.suffix == ".jsonl":
            return _from_jsonl(source)
        if source.suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.read_table(source).to_pylist()
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


def _from_jsonl(path: Path) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise UserError(f"{path.name} line {n}: not JSON ({exc})") from exc
            if not isinstance(record, dict):
                raise UserError(f"{path.name} line {n}: expected an object")
            records.append(record)
    return records


def _from_datasets_folder(folder: Path) -> list[dict]:
    from datasets import load_from_disk

    return load_from_disk(str(folder)).to_list()


def _turns(value, role: str, where: str) -> list[dict]:
    """A string becomes one turn of `role`; a list of {role, content} is kept as it is."""
    if isinstance(value, str) and value.strip():
        return [{"role": role, "content": value}]
    if isinstance(value, list) and value and all(
            isinstance(t, dict) and isinstance(t.get("role"), str) and isinstance(t.get("content"), str) for t in value):
        return [{"role": t["role"], "content": t["content"]} for t in value]
    raise UserError(f"{where}: expected text or a list of {{role, content}} turns")


def prepare(records: list[dict], method: str, principle_texts: dict[str, str] | None = None) -> list[dict]:
    """Only the columns the method trains on, in conversational form. A record that does not fit
    the method is refused by its number, before any model is loaded."""
    if not records:
        raise UserError("the dataset has no records")
    needs = NEEDS[method]
    out = []
    for n, record in enumerate(records, 1):
        missing = [k for k in needs if k not in record]
        if method == "sft" and missing == ["completion"] and "chosen" in record:
            record = {**record, "completion": record["chosen"]}  # a preference record's chosen side
            missing = []
        if missing:
            raise UserError(f"record {n} has no {', '.join(missing)}: {method} needs {', '.join(needs)}")
        row = {"prompt": _turns(record["prompt"], "user", f"record {n} prompt")} if "prompt" in record else {}
        for key in needs[1:] if "prompt" in needs else needs:
            row[key] = _turns(record[key], "assistant", f"record {n} {key}")
        if method == "reward" and "prompt" in record:
            row = {k: row["prompt"] + row[k] for k in ("chosen", "rejected")}
        if principle_texts is not None:
            system = [{"role": "system", "content": principles_turn(record, principle_texts, n)}]
            row = {k: system + v for k, v in row.items()}
        out.append(row)
    return out


def principles_turn(record: dict, texts: dict[str, str], n: int | str = "") -> str:
    keys = record.get("principles") or []
    negated = set(record.get("negated") or [])
    if not keys:
        raise UserError(f"record {n} names no principles: an instructable reward model needs them")
    lines = []
    for key in keys:
        name = f"~{key}" if key in negated else key
        if name not in texts:
            raise UserError(f"record {n}: principle {name!r} is not in the constitution"
                            + (" (it has no negative definition)" if key in negated else ""))
        lines.append(f"- {texts[name]}")
    return RM_SYSTEM + "\n".join(lines)


def principle_texts(constitution_yaml: str) -> dict[str, str]:
    """key -> comparison text, and "~key" -> its negative definition where it has one."""
    from alignment.constitution import from_yaml

    try:
        doc = from_yaml(Path(constitution_yaml).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read constitution {constitution_yaml}: {exc}") from exc
    texts = {}
    for p in doc.of_kind("comparison", enabled_only=False):
        texts[p.key] = p.fields["comparison"]
        if p.fields.get("negative"):
            texts[f"~{p.key}"] = p.fields["negative"]
    return texts
