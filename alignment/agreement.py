"""Agreement between raters: Cohen's kappa for two, Krippendorff's alpha (nominal) for any
number with missing ratings, each with a bootstrap confidence interval over the items.

Labels are any hashable values (for preference pairs: "chosen", "rejected", "tie").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

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
    coincidence: defaultdict[tuple, float] = defaultdict(float)
    for ratings in units:
        m = len(ratings)
        if m < 2:
            continue
        counts = Counter(ratings)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                coincidence[c, k] += pairs / (m - 1)
    totals: defaultdict[Hashable, float] = defaultdict(float)
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


def _codes(labels) -> tuple[np.ndarray, int]:
    index: dict = {}
    return np.array([index.setdefault(x, len(index)) for x in labels], dtype=np.int64), max(1, len(index))


def _bootstrap(cells: np.ndarray, statistic, resamples: int, seed: int) -> tuple[float | None, float | None]:
    """Percentile interval of a statistic that depends on the items only through how many fall
    in each cell (a pair of ratings for kappa, a unit's rating pattern for alpha). Resampling
    the n items with replacement then only redraws those counts, which is one multinomial
    draw over the cells: the same distribution as item resampling, at a cost independent of n
    (a million judged pairs take as long as fifty)."""
    n = int(cells.sum())
    if n < 2:
        return None, None
    draws = np.random.default_rng(seed).multinomial(n, cells / n, size=resamples)
    values = statistic(draws)
    values = values[~np.isnan(values)]
    if len(values) < resamples // 2:
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _kappas(tables: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each K x K contingency table in a (B, K, K) stack; nan where undefined."""
    n = tables.sum(axis=(1, 2)).astype(float)
    observed = np.trace(tables, axis1=1, axis2=2) / n
    expected = (tables.sum(axis=2) * tables.sum(axis=1)).sum(axis=1) / (n * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)


def kappa_with_ci(a: Sequence[Hashable], b: Sequence[Hashable], resamples: int = 1000, seed: int = 0) -> Estimate:
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    codes, k = _codes(list(a) + list(b))
    cells = np.bincount(codes[: len(a)] * k + codes[len(a):], minlength=k * k)
    low, high = _bootstrap(cells, lambda draws: _kappas(draws.reshape(-1, k, k)), resamples, seed)
    return Estimate(_defined(_kappas(cells.reshape(1, k, k))[0]) if len(a) else None, low, high, len(a))


def alpha_with_ci(units: Sequence[Sequence[Hashable]], resamples: int = 1000, seed: int = 0) -> Estimate:
    usable = [list(u) for u in units if len(u) >= 2]
    codes, k = _codes(x for u in usable for x in u)
    patterns: Counter = Counter()
    at = 0
    for u in usable:
        patterns[tuple(sorted(codes[at : at + len(u)].tolist()))] += 1
        at += len(u)
    # Each distinct pattern's contribution to the coincidence matrix, as in krippendorff_alpha.
    contributions = np.zeros((len(patterns), k, k))
    for row, pattern in enumerate(patterns):
        counts = Counter(pattern)
        for c, nc in counts.items():
            for d, nd in counts.items():
                contributions[row, c, d] = (nc * (nc - 1) if c == d else nc * nd) / (len(pattern) - 1)

    def alphas(draws: np.ndarray) -> np.ndarray:
        coincidence = np.einsum("bp,pcd->bcd", draws, contributions)
        totals = coincidence.sum(axis=2)
        n = totals.sum(axis=1)
        observed = n - np.trace(coincidence, axis1=1, axis2=2)
        expected = n * n - (totals * totals).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where((expected > 0) & (n > 1), 1 - (n - 1) * observed / expected, np.nan)

    weights = np.array(list(patterns.values()))
    low, high = _bootstrap(weights, alphas, resamples, seed)
    return Estimate(_defined(alphas(weights[None])[0]) if usable else None, low, high, len(usable))


def _defined(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def percent_agreement(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    return sum(x == y for x, y in zip(a, b)) / len(a) if len(a) else None
