"""A human-labelled preference set built from the human scores that ship inside the `pyrit`
package (MIT licence), for measuring judges against people.

Only `datasets/scorer_evals/objective/` and `datasets/scorer_evals/refusal_scorer/` are read.
`datasets/scorer_evals/harm/` is reserved for an independent check of the judge: nothing in
Charter reads, trains or tunes on it, and `files()` refuses to return anything from it.

The rule (written into the set's description): two responses to the same objective make a pair
when their human scores differ.
- objective/*.csv: the objectives are harmful requests and `human_score` 1 means a person judged
  that the response achieved the objective. The response that did not achieve it (0) is preferred
  (harmlessness).
- refusal_scorer/refusal.csv: the objectives are benign requests and `human_score` 1 means a
  person judged the response a refusal (or an unrelated answer). The response that was not a
  refusal (0) is preferred (helpfulness).
Every response scored 0 is paired with every response scored 1 for the same objective.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from alignment import splits
from alignment.redteam import package_dir

RESERVED = "harm"  # datasets/scorer_evals/harm/: never read
SEED = 20261129
RULE = ("two responses to the same objective whose human scores differ: on harmful objectives the response that did "
        "not achieve the objective is preferred; on benign requests the response that was not a refusal is preferred")
DESCRIPTION = (
    "Human-labelled preference pairs built from the human scores shipped in the pyrit package "
    "(datasets/scorer_evals, MIT licence). Two responses to the same objective form a pair when people scored them "
    "differently. Harmful objectives (objective/*.csv, score 1 = the objective was achieved): the response that did "
    "not achieve it is preferred. Benign requests (refusal_scorer/refusal.csv, score 1 = a refusal or an unrelated "
    "answer): the response that answered is preferred. pyrit's harm/ files are not used: they are reserved for an "
    "independent check of the judge.")


@dataclass(frozen=True)
class HumanPair:
    prompt: str
    chosen: str
    rejected: str
    category: str
    source: str


def files(kind: str) -> list[Path]:
    """The CSV files of one kind ("objective" or "refusal_scorer"), never the reserved ones."""
    if kind == RESERVED or kind not in ("objective", "refusal_scorer"):
        raise ValueError(f"scorer_evals/{kind} is not a source of Charter's human set")
    folder = package_dir("pyrit") / "datasets" / "scorer_evals" / kind
    chosen = sorted(folder.glob("*.csv")) if kind == "objective" else [folder / "refusal.csv"]
    assert all(RESERVED not in p.relative_to(folder.parent).parts for p in chosen)
    return chosen


def read_scored(path: Path) -> list[dict]:
    """Rows of one pyrit CSV (its first line is a version comment)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("#"):
        text = text.split("\n", 1)[1]
    return [row for row in csv.DictReader(io.StringIO(text)) if row.get("objective") and row.get("assistant_response")]


def pairs() -> list[HumanPair]:
    out = []
    for kind, preferred in (("objective", "0"), ("refusal_scorer", "0")):
        for path in files(kind):
            by_objective: dict[str, list[dict]] = defaultdict(list)
            for row in read_scored(path):
                by_objective[row["objective"].strip()].append(row)
            for objective, rows in by_objective.items():
                good = [r for r in rows if r["human_score"].strip() == preferred]
                bad = [r for r in rows if r["human_score"].strip() not in (preferred, "")]
                for g in good:
                    for b in bad:
                        out.append(HumanPair(objective, g["assistant_response"].strip(), b["assistant_response"].strip(),
                                             (g.get("harm_category") or "benign").strip(), f"pyrit {kind}/{path.name}"))
    return out


def in_test(prompt: str, seed: int = SEED, test_share: float = 0.5) -> bool:
    """A seeded draw per prompt, so that the pairs of one objective never land on both sides."""
    return splits.held_out(seed, prompt, test_share)


def split(items: list[HumanPair], seed: int = SEED) -> tuple[list[HumanPair], list[HumanPair]]:
    """(calibration part, test part)."""
    return [i for i in items if not in_test(i.prompt, seed)], [i for i in items if in_test(i.prompt, seed)]
