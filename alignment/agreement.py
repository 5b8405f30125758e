"""Agreement between raters: Cohen's kappa for two, Krippendorff's alpha (nominal) for any
number with missing ratings, each with a bootstrap confidence interval over the items.

Labels are any hashable values (for preference pairs: "chosen", "rejected", "tie").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np


@dataclass(frozen=True)
class Estimate:
    value: float | None  # None when undefined (e.g. every rating is the same label)
    low: float | None
    high: float | None
    n: int  # items that entered the statistic

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """(p_o - p_e) / (1 - p_e) for two raters who rated the same items."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Nominal alpha; each unit holds the ratings it received (any number, missing ones
    simply absent). Units with fewer than two ratings carry no information and are skipped."""
    coincidence: Counter = Counter()
    for ratings in units:
        m = len(ratings)
        if m < 2:
            continue
        counts = Counter(ratings)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                coincidence[c, k] += pairs / (m - 1)
    totals: Counter = Counter()
    for (c, _), value in coincidence.items():
        totals[c] += value
    n = sum(totals.values())
    if n <= 1:
        return None
    disagreement_observed = sum(v for (c, k), v in coincidence.items() if c != k)
    disagreement_expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if disagreement_expected == 0:
        return None
    return 1 - (n - 1) * disagreement_observed / disagreement_expected


def _bootstrap(statistic, items: list, resamples: int, seed: int) -> tuple[float | None, float | None]:
    if len(items) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        picked = [items[i] for i in rng.integers(0, len(items), len(items))]
        value = statistic(picked)
        if value is not None:
            values.append(value)
    if len(values) < resamples // 2:
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def kappa_with_ci(a: Sequence[Hashable], b: Sequence[Hashable], resamples: int = 1000, seed: int = 0) -> Estimate:
    items = list(zip(a, b))

    def stat(sample):
        return cohen_kappa([x for x, _ in sample], [y for _, y in sample])

    low, high = _bootstrap(stat, items, resamples, seed)
    return Estimate(cohen_kappa(a, b), low, high, len(items))


def alpha_with_ci(units: Sequence[Sequence[Hashable]], resamples: int = 1000, seed: int = 0) -> Estimate:
    usable = [list(u) for u in units if len(u) >= 2]
    low, high = _bootstrap(krippendorff_alpha, usable, resamples, seed)
    return Estimate(krippendorff_alpha(usable), low, high, len(usable))


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    return sum(x == y for x, y in zip(a, b)) / len(a) if len(a) else None
