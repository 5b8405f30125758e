"""How far a judge agrees with people on given pairs, and what it leans on besides content.

A verdict is the judge's label on one given pair (or on one pair under one principle): p is the
judge's probability that the pair's own preferred response (the human choice, for a
human-labelled set) is preferred, and `tie` says the judge could not tell (its two orders
disagreed, or its scores were equal). Measured:

- accuracy: among pairs both sides decided, the share where the judge picked the human's choice;
- coverage: among pairs people decided, the share the judge decided too (not tied);
- Cohen's kappa (x / y / tie), with its bootstrap interval. Each pair's responses are named x and
  y by a hash of the pair's id, so that the human label is not a constant;
- position bias: the share of single judgments (one order each) in which the response shown
  first won; 0.5 is none;
- length bias: the correlation between choosing x and x's relative length advantage
  (len x - len y) / (len x + len y), for the judge and, on the same pairs, for people;
- parse failures (pointwise judges): judgments with no readable score;
- calibration: p of the judge's choice against whether people agree (reliability bins, ECE), and
  a temperature per principle fitted on a calibration part and checked on a test part.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from alignment import calibration
from alignment.agreement import kappa_with_ci
from alignment.evaluation.stats import mean_with_ci
from alignment.feedback.labels import combine_orders


@dataclass(frozen=True)
class Verdict:
    pair: int | str  # the given pair's id (or key)
    p: float  # the judge's P(the given pair's preferred response is preferred)
    tie: bool  # the judge could not tell
    human_tie: bool  # the given pair is a tie
    chosen_len: int
    rejected_len: int
    principle: str = ""

    @property
    def decided(self) -> bool:
        return not self.tie and not self.human_tie

    @property
    def agrees(self) -> bool:
        return self.p > 0.5

    @property
    def confidence(self) -> float:
        """The judge's probability of the response it chose."""
        return max(self.p, 1 - self.p)


@dataclass(frozen=True)
class Given:
    """What a given pair came with: whether it is a tie, and its two responses' lengths."""

    tie: bool
    chosen_len: int
    rejected_len: int


@dataclass
class Judged:
    """A run's single judgments, read back: verdicts per (pair, principle), and per principle
    ("" for all) whether the first-shown response won each pairwise judgment and whether each
    pointwise judgment parsed."""

    per_principle: list[Verdict] = field(default_factory=list)
    first_wins: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    parses: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))


def read_judgments(given: dict[int, Given], judgments: Iterable[tuple]) -> Judged:
    """judgments: (pair, principle, order, p_a, p_first, response_index, score, parse_status).
    A pairwise judgment has an order (1: the given pair's chosen shown first as (A)); its two
    orders combine as the run combined them. A pointwise one scores response 0 (the given
    chosen) or 1; the mean scores decide, equal or missing ones are a tie."""
    out = Judged()
    orders: dict[tuple[int, str], dict[int, float]] = defaultdict(dict)
    scores: dict[tuple[int, str], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for pair, principle, order, p_a, p_first, response, score, status in judgments:
        if order is not None:
            orders[(pair, principle)][order] = p_first
            if p_a != 0.5:
                for bucket in ("", principle):
                    out.first_wins[bucket].append(p_a > 0.5)
        else:
            for bucket in ("", principle):
                out.parses[bucket].append(status == "ok")
            if score is not None:
                scores[(pair, principle)][response].append(score)
    for (pair, principle), by_order in orders.items():
        if pair in given and len(by_order) == 2:
            combined = combine_orders(by_order[1], by_order[2])
            g = given[pair]
            out.per_principle.append(Verdict(pair, combined.p_first, combined.tie, g.tie, g.chosen_len, g.rejected_len,
                                             principle))
    for (pair, principle), by_response in scores.items():
        if pair in given:
            first, second = (by_response.get(i) for i in (0, 1))
            mean = [sum(s) / len(s) if s else None for s in (first, second)]
            decided = None not in mean and mean[0] != mean[1]
            p = float(mean[0] > mean[1]) if decided else 0.5  # type: ignore[operator]
            g = given[pair]
            out.per_principle.append(Verdict(pair, p, not decided, g.tie, g.chosen_len, g.rejected_len, principle))
    return out


def report(overall: Sequence[Verdict], judged: Judged) -> dict:
    """The whole report: overall, and per principle."""
    return {"overall": metrics(overall, judged.first_wins.get("", []), judged.parses.get("", [])),
            "per_principle": [{"principle": k, **metrics(v, judged.first_wins.get(k, []), judged.parses.get(k, []))}
                              for k, v in by_principle(judged.per_principle).items()]}


def x_is_chosen(pair: int | str) -> bool:
    return hashlib.blake2b(str(pair).encode(), digest_size=1).digest()[0] % 2 == 0


def _framed(v: Verdict) -> tuple[str, str, float]:
    """(judge label, human label, x's relative length advantage) in the x / y framing."""
    flip = not x_is_chosen(v.pair)
    human = "tie" if v.human_tie else ("y" if flip else "x")
    judge = "tie" if v.tie else ("x" if v.agrees != flip else "y")
    lx, ly = (v.rejected_len, v.chosen_len) if flip else (v.chosen_len, v.rejected_len)
    return judge, human, (lx - ly) / max(1, lx + ly)


def _correlation(a: Sequence[float], b: Sequence[float]) -> float | None:
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def metrics(verdicts: Sequence[Verdict], first_wins: Sequence[bool] = (), parses: Sequence[bool] = ()) -> dict:
    """Every measure above, for one set of verdicts (overall, or one principle's)."""
    human_decided = [v for v in verdicts if not v.human_tie]
    both = [v for v in human_decided if not v.tie]
    framed = [_framed(v) for v in verdicts]
    judged = [(j, h, d) for j, h, d in framed if j != "tie"]
    human_side = [(h, d) for _, h, d in judged if h != "tie"]
    confidences = [v.confidence for v in both]
    agree = [int(v.agrees) for v in both]
    return {
        "n": len(verdicts),
        "accuracy": mean_with_ci([float(v.agrees) for v in both]).as_dict(),
        "coverage": len(both) / len(human_decided) if human_decided else None,
        "kappa": kappa_with_ci([j for j, _, _ in framed], [h for _, h, _ in framed]).as_dict(),
        "position": mean_with_ci([float(w) for w in first_wins]).as_dict(),
        "length_r": _correlation([float(j == "x") for j, _, _ in judged], [d for _, _, d in judged]),
        "human_length_r": _correlation([float(h == "x") for h, _ in human_side], [d for _, d in human_side]),
        "parse_failure": (1 - sum(parses) / len(parses)) if parses else None,
        "ece": calibration.ece(confidences, agree),
        "reliability": [vars(b) for b in calibration.reliability(confidences, agree)],
        "disagreements": [v.pair for v in both if not v.agrees],
    }


def by_principle(verdicts: Iterable[Verdict]) -> dict[str, list[Verdict]]:
    out: dict[str, list[Verdict]] = {}
    for v in verdicts:
        out.setdefault(v.principle, []).append(v)
    return dict(sorted(out.items()))


MIN_FIT = 5  # decided pairs a temperature is fitted on; with fewer, the overall one (or 1) applies


def temperatures(verdicts: Sequence[Verdict]) -> dict[str, float]:
    """A temperature per principle ("" for the verdicts over all principles), each fitted on the
    pairs both sides decided; a principle with fewer than MIN_FIT of them gets none."""
    out = {}
    for principle, group in by_principle(verdicts).items():
        both = [v for v in group if v.decided]
        if len(both) >= MIN_FIT:
            out[principle] = calibration.fit_temperature([v.confidence for v in both], [int(v.agrees) for v in both])
    return out


def calibration_effect(temps: dict[str, float], test: Sequence[Verdict]) -> list[dict]:
    """ECE and log loss on a test part, before and after each principle's temperature."""
    rows = []
    for principle, group in by_principle(test).items():
        both = [v for v in group if v.decided]
        t = temps.get(principle, temps.get("", 1.0))
        ps, ys = [v.confidence for v in both], [int(v.agrees) for v in both]
        after = [calibration.scaled(p, t) for p in ps]
        rows.append({"principle": principle or "all principles", "n": len(both), "temperature": t,
                     "ece_before": calibration.ece(ps, ys), "ece_after": calibration.ece(after, ys),
                     "nll_before": calibration.nll(ps, ys, 1.0) if ps else None,
                     "nll_after": calibration.nll(ps, ys, t) if ps else None})
    return rows


def from_files(given_path: str, judged_path: str) -> dict:
    """The report of a CLI feedback run on given pairs (`python -m alignment feedback --set
    pairs=GIVEN --set output=JUDGED`), against the labels the given pairs came with."""
    from alignment.record_files import read_records

    overall, judged = from_records(read_records(given_path), read_records(judged_path))
    return report(overall, judged) | {"temperatures": temperatures(overall + judged.per_principle)}


def from_records(given_records: Iterable[dict], judged_records: Iterable[dict]) -> tuple[list[Verdict], Judged]:
    """Verdicts from a feedback run's records on given pairs (pairwise or pointwise)."""
    from alignment.feedback.pipeline import given_key
    from alignment.records import text_of

    given: dict = {}
    for n, record in enumerate(given_records, 1):
        chosen, rejected = (text_of(record.get(k), "assistant", f"pair {n}", k, 100_000) for k in ("chosen", "rejected"))
        given[given_key(record, n)] = Given(bool(record.get("tie")), len(chosen), len(rejected))
    overall, judgments = [], []
    for record in judged_records:
        pair = record.get("pair_key", record["key"])
        if pair not in given:
            continue
        g = given[pair]
        if "judgments" in record:  # pairwise: first = the given chosen
            overall.append(Verdict(pair, record["p_first"], record["tie"], g.tie, g.chosen_len, g.rejected_len))
            judgments += [(pair, j["principle_key"], j["order"], j["p_a"], j["p_first"], None, None, "")
                          for j in record["judgments"]]
        else:  # pointwise: response 0 is the given chosen
            scores = [r["score"] for r in record["responses"][:2]]
            decided = None not in scores and scores[0] != scores[1]
            overall.append(Verdict(pair, float(scores[0] > scores[1]) if decided else 0.5, not decided, g.tie,
                                   g.chosen_len, g.rejected_len))
            judgments += [(pair, record["rubric"], None, None, None, r["index"], j["score"], j["parse_status"])
                          for r in record["responses"] for j in r["judgments"]]
    return overall, read_judgments(given, judgments)
