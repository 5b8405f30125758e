"""What each method trains on: a dataset's records (read by alignment.records) checked against
the method and brought into TRL's conversational form, with the label the method learns from.

- SFT: prompt -> completion (a preference record's chosen side will do).
- Reward model: chosen vs rejected, with `target` p = the record's soft label (Constitutional
  AI's soft preference-model targets; a kept tie is p = 0.5), or hard (p = 1, ties left out).
  Instructable (SALMON): see alignment/training/principles.py.
- DPO: chosen vs rejected. With soft labels each pair is shown the right way round with
  probability p and reversed otherwise, drawn once per pair from the seed: the expected loss is
  then exactly conservative DPO's -[p log s(b d) + (1 - p) log s(-b d)], per pair.
- KTO: unpaired (prompt, completion, label) records.
- GRPO / RLOO: prompts.
"""

from __future__ import annotations

import random

from alignment.errors import UserError
from alignment.records import turns

NEEDS = {
    "sft": ("prompt", "completion"),
    "dpo": ("prompt", "chosen", "rejected"),
    "reward": ("chosen", "rejected"),
    "kto": ("prompt", "completion", "label"),
    "grpo": ("prompt",),
    "rloo": ("prompt",),
}


def prepare(records: list[dict], method: str) -> list[dict]:
    """Only the columns the method trains on, in conversational form. A record that does not fit
    the method is refused by its number, before any model is loaded."""
    if not records:
        raise UserError("the dataset has no records")
    needs = NEEDS[method]
    out: list[dict] = []
    for n, record in enumerate(records, 1):
        missing = [k for k in needs if k not in record]
        if method == "sft" and missing == ["completion"] and "chosen" in record:
            record = {**record, "completion": record["chosen"]}  # a preference record's chosen side
            missing = []
        if missing:
            raise UserError(f"record {n} has no {', '.join(missing)}: {method} needs {', '.join(needs)}")
        row: dict = {"prompt": turns(record["prompt"], "user", f"record {n} prompt")} if "prompt" in record else {}
        for key in (k for k in needs if k not in ("prompt", "label")):
            row[key] = turns(record[key], "assistant", f"record {n} {key}")
        if method == "kto":
            if not isinstance(record["label"], bool):
                raise UserError(f"record {n}: label must be true (desirable) or false (undesirable)")
            row["label"] = record["label"]
        if method == "reward" and "prompt" in record:
            row = {k: row["prompt"] + row[k] for k in ("chosen", "rejected")}
        out.append(row)
    return out


def target(record: dict, soft: bool) -> float | None:
    """The probability the record's chosen side is preferred, as the method learns it: the soft
    label (a tie is 0.5), or 1 for hard labels (None: a tie, which hard labels leave out)."""
    if record.get("tie"):
        return 0.5 if soft else None
    p = record.get("soft_label")
    if not soft or p is None:
        return 1.0
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise UserError(f"soft_label {p!r} is not a probability")
    return float(p)


def preference_rows(records: list[dict], method: str, soft: bool, seed: int) -> list[dict]:
    """Reward-model or DPO rows with their labels applied (see the module's docstring)."""
    rows, kept = prepare(records, method), []
    rng = random.Random(seed)
    for record, row in zip(records, rows):
        p = target(record, soft)
        if p is None:
            continue
        if method == "reward" and soft:
            row["target"] = p
        elif method == "dpo" and soft and rng.random() >= p:
            row["chosen"], row["rejected"] = row["rejected"], row["chosen"]
        kept.append(row)
    if not kept:
        raise UserError("no record is left to train on: with hard labels every tie is left out")
    return kept


def carries_soft_labels(records: list[dict]) -> bool:
    return any("soft_label" in r for r in records)
