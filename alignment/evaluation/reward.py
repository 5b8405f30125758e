"""Reward models measured on held-out labeled pairs: accuracy (does the model score the chosen
response above the rejected one?), and, for an instructable reward model, controllability: its
accuracy under principles P and under their negations ~P. A steerable model scores the pairs
the other way round under ~P, so its accuracy there falls below 0.5 (SALMON)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

Scorer = Callable[[list, list], list[float]]


def rm_accuracy(scorer: Scorer, records: list[dict], batch: int = 16) -> Iterator[dict]:
    """Per labeled pair: does the reward model score the chosen response above the rejected one?"""
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        prompts = [r["prompt"] for r in chunk]
        chosen = scorer(prompts, [r["chosen"] for r in chunk])
        rejected = scorer(prompts, [r["rejected"] for r in chunk])
        for r, c, j in zip(chunk, chosen, rejected):
            yield {"key": r.get("key", start), "chosen_score": c, "rejected_score": j, "correct": c > j}


def negate(spec: str) -> str:
    """"helpful,~verbose,+harmless" -> "~helpful,verbose,+~harmless": every principle turned around."""
    out = []
    for raw in (s.strip() for s in spec.split(",") if s.strip()):
        always = raw.startswith("+") or raw.startswith("~+")
        key = raw.lstrip("+~")
        negated = "~" in raw[:2]
        out.append(("+" if always else "") + ("" if negated else "~") + key)
    return ",".join(out)


def controllability(under_p: Scorer, under_not_p: Scorer, records: list[dict], batch: int = 16) -> Iterator[dict]:
    """Per labeled pair: correct under P, and under ~P."""
    for p, q in zip(rm_accuracy(under_p, records, batch), rm_accuracy(under_not_p, records, batch)):
        yield {"key": p["key"], "correct_under_p": p["correct"], "correct_under_not_p": q["correct"],
               "margin_under_p": p["chosen_score"] - p["rejected_score"],
               "margin_under_not_p": q["chosen_score"] - q["rejected_score"]}
