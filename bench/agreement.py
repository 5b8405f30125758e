"""Agreement intervals: the bootstrap as one multinomial draw over rating cells (Charter)
against resampling the items one by one in Python (the naive way), same seed and resamples.

kappa: judge vs human labels on n pairs (three labels: chosen, rejected, tie; 70% agree);
alpha: the same pairs as two-rating units. Seconds are the whole `*_with_ci` call, point
estimate included. The naive way runs only up to 20,000 items (it grows linearly).

Run: .venv/bin/python bench/agreement.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import table  # noqa: E402

from alignment.agreement import Estimate, alpha_with_ci, cohen_kappa, kappa_with_ci, krippendorff_alpha  # noqa: E402

LABELS = ["chosen", "rejected", "tie"]


def naive(statistic, items: list, resamples: int = 1000, seed: int = 0) -> Estimate:
    rng = np.random.default_rng(seed)
    values = [statistic([items[i] for i in rng.integers(0, len(items), len(items))]) for _ in range(resamples)]
    low, high = np.percentile([v for v in values if v is not None], [2.5, 97.5])
    return Estimate(statistic(items), float(low), float(high), len(items))


def naive_kappa(a, b) -> Estimate:
    return naive(lambda s: cohen_kappa([x for x, _ in s], [y for _, y in s]), list(zip(a, b)))


def timed(fn, *args) -> tuple[float, Estimate]:
    began = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - began, result


def main() -> None:
    random.seed(0)
    rows = []
    for n in (1_000, 20_000, 1_000_000):
        a = [random.choice(LABELS) for _ in range(n)]
        b = [x if random.random() < 0.7 else random.choice(LABELS) for x in a]
        units = [[x, y] for x, y in zip(a, b)]
        for name, fast, slow, args in (("kappa", kappa_with_ci, naive_kappa, (a, b)),
                                       ("alpha", alpha_with_ci, lambda u: naive(krippendorff_alpha, u), (units,))):
            seconds, est = timed(fast, *args)
            base = timed(slow, *args) if n <= 20_000 else None
            rows.append([name, f"{n:,}", f"{base[0]:.2f}" if base else "-", f"{seconds:.3f}",
                         f"{base[0] / seconds:,.0f}x" if base else "-",
                         f"[{base[1].low:.4f}, {base[1].high:.4f}]" if base else "-", f"[{est.low:.4f}, {est.high:.4f}]"])
    print("1,000 bootstrap resamples, 95% percentile interval")
    print(table(["statistic", "items", "naive s", "Charter s", "speed-up", "naive interval", "Charter interval"], rows))


if __name__ == "__main__":
    main()
