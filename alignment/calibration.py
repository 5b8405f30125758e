"""Calibrating a judge per principle against people.

For each judged pair, p is the judge's probability that the response it chose is preferred (its
soft label), and y is 1 when people preferred that response too. A judge is calibrated when,
among pairs it gives p = 0.7, people agree 70% of the time. Temperature scaling fits one number T
per (judge, principle) on a calibration part: p_T = s(logit(p) / T). T > 1 softens an
over-confident judge; it never changes which response the judge prefers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EPS = 1e-6


def logit(p: float) -> float:
    p = min(1 - EPS, max(EPS, p))
    return math.log(p / (1 - p))


def scaled(p: float, temperature: float) -> float:
    return 1 / (1 + math.exp(-logit(p) / temperature))


def nll(ps: Sequence[float], ys: Sequence[int], temperature: float) -> float:
    total = 0.0
    for p, y in zip(ps, ys):
        q = min(1 - EPS, max(EPS, scaled(p, temperature)))
        total -= y * math.log(q) + (1 - y) * math.log(1 - q)
    return total / max(1, len(ps))


def fit_temperature(ps: Sequence[float], ys: Sequence[int], low: float = 0.05, high: float = 20.0) -> float:
    """The T minimising the negative log-likelihood, by golden-section search on log T (the NLL
    is unimodal in it for temperature scaling)."""
    if not ps:
        return 1.0
    a, b = math.log(low), math.log(high)
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(80):
        if nll(ps, ys, math.exp(c)) < nll(ps, ys, math.exp(d)):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return math.exp((a + b) / 2)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    mean_p: float | None
    agree: float | None


def reliability(ps: Sequence[float], ys: Sequence[int], bins: int = 5) -> list[Bin]:
    """Bins of the judge's probability (0.5-1 split evenly): its mean and the share of people who
    agree, for a reliability chart."""
    edges = [0.5 + 0.5 * i / bins for i in range(bins + 1)]
    out = []
    for i in range(bins):
        lo, hi = edges[i], edges[i + 1]
        inside = [(p, y) for p, y in zip(ps, ys) if lo <= p < hi or (i == bins - 1 and p == hi)]
        out.append(Bin(lo, hi, len(inside), sum(p for p, _ in inside) / len(inside) if inside else None,
                       sum(y for _, y in inside) / len(inside) if inside else None))
    return out


def ece(ps: Sequence[float], ys: Sequence[int], bins: int = 5) -> float | None:
    """Expected calibration error: the mean |probability - agreement| over bins, weighted by size."""
    if not ps:
        return None
    return sum(b.n * abs((b.mean_p or 0) - (b.agree or 0)) for b in reliability(ps, ys, bins) if b.n) / len(ps)
