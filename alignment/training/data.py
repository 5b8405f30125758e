"""Training records: check that a dataset's records (read by alignment.records) fit the method,
and bring every record into TRL's conversational form. Instructable reward models get the
principles a pair was judged under as a system turn, in their negated form where the judgment
was negated (SALMON).
"""

from __future__ import annotations

from pathlib import Path

from alignment.errors import UserError
from alignment.records import turns

NEEDS = {
    "sft": ("prompt", "completion"),
    "dpo": ("prompt", "chosen", "rejected"),
    "reward": ("chosen", "rejected"),
    "grpo": ("prompt",),
    "rloo": ("prompt",),
}
RM_SYSTEM = "Rate the assistant's response by how well it follows these principles:\n"


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
        row = {"prompt": turns(record["prompt"], "user", f"record {n} prompt")} if "prompt" in record else {}
        for key in needs[1:] if "prompt" in needs else needs:
            row[key] = turns(record[key], "assistant", f"record {n} {key}")
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
