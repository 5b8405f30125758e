"""The arithmetic of AI feedback, as small pure functions.

Conventions: a pair is (first, second) as stored; "order 1" shows first as (A), "order 2"
shows second as (A). Every probability here is P(first is preferred).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from statistics import mean

COT_CLAMP = (0.4, 0.6)  # Constitutional AI clamps chain-of-thought labels to this range


def choice_probability(logprob_a: float, logprob_b: float) -> float:
    """P((A)) after normalising the probabilities of the two option tokens to sum to one."""
    top = max(logprob_a, logprob_b)
    ea, eb = math.exp(logprob_a - top), math.exp(logprob_b - top)
    return ea / (ea + eb)


def first_preferred(p_a: float, first_shown_as_a: bool) -> float:
    """P(first is preferred) from one judgment, whichever response was shown as (A)."""
    return p_a if first_shown_as_a else 1.0 - p_a


def clamp(p: float, bounds: tuple[float, float] = COT_CLAMP) -> float:
    return min(bounds[1], max(bounds[0], p))


@dataclass(frozen=True)
class Combined:
    p_first: float  # mean of both orders
    tie: bool  # the two orders picked different winners
    order1: float
    order2: float


def combine_orders(order1: float, order2: float) -> Combined:
    """Both presentation orders, each already as P(first preferred). When one order prefers
    the first response and the other the second, the judge is following position, not
    content: the pair is a tie."""
    tie = (order1 > 0.5) != (order2 > 0.5) or order1 == 0.5 or order2 == 0.5
    return Combined((order1 + order2) / 2, tie, order1, order2)


def average_principles(values: list[Combined]) -> Combined:
    """Several sampled principles: average their labels; a tie if the average is a tie."""
    if not values:
        raise ValueError("no judgments to average")
    o1, o2 = mean(v.order1 for v in values), mean(v.order2 for v in values)
    return combine_orders(o1, o2)


# --- Self-Rewarding pointwise -----------------------------------------------------------

_SCORE = re.compile(r"score\s*[:=]\s*\**\s*(\d+(?:\.\d+)?)\s*(?:/\s*(\d+))?", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedScore:
    score: float | None
    status: str  # "ok", "missing", "out_of_range"


def parse_score(text: str, max_points: int) -> ParsedScore:
    """The last 'Score: N' in the judge's answer. Never invents a score: anything else is a
    parse failure, recorded as such."""
    matches = list(_SCORE.finditer(text or ""))
    if not matches:
        return ParsedScore(None, "missing")
    value = float(matches[-1].group(1))
    if not 0 <= value <= max_points:
        return ParsedScore(None, "out_of_range")
    return ParsedScore(value, "ok")


def mean_score(parsed: list[ParsedScore]) -> float | None:
    """Average of the judgments that parsed; None when none did."""
    scores = [p.score for p in parsed if p.score is not None]
    return mean(scores) if scores else None


@dataclass(frozen=True)
class BestWorst:
    chosen: int
    rejected: int
    margin: float


def best_and_worst(scores: list[float | None]) -> BestWorst | None:
    """Indices of the highest and lowest scored responses; None when fewer than two have a
    score or when best and worst tie (Self-Rewarding drops such prompts)."""
    scored = [(s, i) for i, s in enumerate(scores) if s is not None]
    if len(scored) < 2:
        return None
    best = max(scored, key=lambda t: (t[0], -t[1]))
    worst = min(scored, key=lambda t: (t[0], t[1]))
    if best[0] == worst[0]:
        return None
    return BestWorst(best[1], worst[1], best[0] - worst[0])
