"""SALMON's instructable reward model: principles (and their negations) in the reward model's input.

The judge always answers the positive question. Negation happens here, when reward-model data is
built: each example shows a sampled subset of the principles that judged its pair (principle
`weight` honoured), each possibly negated; the example is labelled by its dominant principle (the
one whose judgment was most decisive), and when that principle is shown negated, the model sees
its negative definition and chosen and rejected are swapped. At RL time the same principles are
sampled per prompt from the set the user chose (`~key` negates, `+key` is always included), so
the reward model is steered without new human data.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alignment.errors import UserError
from alignment.records import turns

RM_SYSTEM = "Rate the assistant's response by how well it follows these principles:\n"


@dataclass(frozen=True)
class Stated:
    """What a reward model is shown for a principle: the behaviour it asks for, or its negation."""

    key: str
    statement: str
    negative: str
    weight: float


def catalog(constitution_yaml: str) -> dict[str, Stated]:
    """Every comparison principle of a constitution file (enabled or not: old records may name it)."""
    from alignment.constitution import from_yaml

    try:
        doc = from_yaml(Path(constitution_yaml).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read constitution {constitution_yaml}: {exc}") from exc
    return {p.key: Stated(p.key, p.fields.get("statement") or p.fields["comparison"], p.fields.get("negative") or "",
                          float(p.weight)) for p in doc.of_kind("comparison", enabled_only=False)}


def system_turn(shown: list[tuple[Stated, bool]]) -> str:
    """The reward model's system turn for principles, each (principle, negated)."""
    lines = []
    for principle, negated in shown:
        if negated and not principle.negative:
            raise UserError(f"principle {principle.key!r} has no negative definition to negate with")
        lines.append(f"- {principle.negative if negated else principle.statement}")
    return RM_SYSTEM + "\n".join(lines)


def weighted_sample(items: list[Stated], k: int, rng: random.Random) -> list[Stated]:
    """k distinct principles, each draw with probability proportional to its weight."""
    pool, chosen = list(items), []  # type: list[Stated], list[Stated]
    while pool and len(chosen) < k:
        weights = [max(p.weight, 0.0) for p in pool]
        index = rng.choices(range(len(pool)), weights=weights if any(weights) else None)[0]
        chosen.append(pool.pop(index))
    return chosen


@dataclass
class Judged:
    """One pair and every principle that judged it: (key, chosen-side text, soft label, margin)."""

    prompt: object
    responses: tuple[str, str]
    verdicts: list[tuple[str, str, float, float]]


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(t.get("content", "") for t in value if isinstance(t, dict))


def group_pairs(records: list[dict]) -> list[Judged]:
    """Records of the same prompt and the same two responses (a SALMON run writes one per
    principle) become one pair with all its principles' verdicts."""
    groups: dict[tuple, Judged] = {}
    for n, record in enumerate(records, 1):
        keys = record.get("principles") or []
        if not keys:
            raise UserError(f"record {n} names no principles: an instructable reward model needs them")
        chosen, rejected = _text(record["chosen"]), _text(record["rejected"])
        identity = (_text(record["prompt"]), frozenset((chosen, rejected)))
        pair = groups.setdefault(identity, Judged(record["prompt"], (chosen, rejected), []))
        p = 0.5 if record.get("tie") else float(record.get("soft_label", 1.0))
        margin = float(record.get("margin", abs(2 * p - 1)))
        pair.verdicts += [(key, chosen, p, margin) for key in keys]
    return list(groups.values())


def instructable_rows(records: list[dict], principles: dict[str, Stated], per_example: int, negate_fraction: float,
                      seed: int, soft: bool) -> list[dict]:
    """Reward-model rows as SALMON builds them (see the module's docstring); `target` is the
    probability that the shown chosen side is preferred under the shown principles."""
    rng = random.Random(seed)
    rows = []
    for pair in group_pairs(records):
        judged = {key: (winner, p, margin) for key, winner, p, margin in pair.verdicts}
        unknown = sorted(set(judged) - set(principles))
        if unknown:
            raise UserError(f"principle {unknown[0]!r} named by the records is not in the constitution")
        subset = weighted_sample([principles[k] for k in judged], min(per_example, len(judged)), rng)
        negated = {p.key: rng.random() < negate_fraction and bool(p.negative) for p in subset}
        dominant = max(subset, key=lambda p: (judged[p.key][2], p.key))
        winner, p, _ = judged[dominant.key]
        loser = pair.responses[1] if winner == pair.responses[0] else pair.responses[0]
        if negated[dominant.key]:  # the negated principle prefers what the positive one rejected
            winner, loser = loser, winner
        system = [{"role": "system", "content": system_turn([(q, negated[q.key]) for q in subset])}]
        prompt = turns(pair.prompt, "user", "prompt")
        row: dict = {"chosen": system + prompt + [{"role": "assistant", "content": winner}],
               "rejected": system + prompt + [{"role": "assistant", "content": loser}]}
        if soft:
            row["target"] = p
        rows.append(row)
    return rows


def parse_choice(spec: str, principles: dict[str, Stated]) -> tuple[list[tuple[Stated, bool]], list[tuple[Stated, bool]]]:
    """"+helpfulness,harmlessness,~conciseness" -> (always shown, sampled from): `~` negates, `+`
    always includes."""
    always: list[tuple[Stated, bool]] = []
    pool: list[tuple[Stated, bool]] = []
    for raw in (s.strip() for s in spec.split(",") if s.strip()):
        key = raw.lstrip("+~")
        if key not in principles:
            raise UserError(f"unknown principle for the reward model: {key!r}")
        item = (principles[key], "~" in raw[:2])
        (always if raw.startswith("+") or raw.startswith("~+") else pool).append(item)
    return always, pool


def per_prompt(spec: str, principles: dict[str, Stated], k: int, seed: int) -> Callable[[str], str]:
    """The system turn for each prompt at RL time: the always-shown principles plus k sampled
    from the rest (weights honoured; k = 0 shows them all), drawn from the prompt's text and the
    seed, so every completion of one prompt is scored under the same principles."""
    always, pool = parse_choice(spec, principles)

    def system(prompt: str) -> str:
        if not k or k >= len(pool):
            return system_turn(always + pool)
        rng = random.Random(seed * 1_000_003 + zlib.crc32(prompt.encode()))
        picked = {p.key for p in weighted_sample([p for p, _ in pool], k, rng)}
        return system_turn(always + [(p, neg) for p, neg in pool if p.key in picked])

    return system
