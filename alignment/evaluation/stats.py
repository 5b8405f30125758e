"""Scores with their 95% bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Score:
    value: float | None
    low: float | None
    high: float | None
    n: int

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def outcome(p_first_order1: float, p_first_order2: float) -> str:
    """X is "first". Both orders for X: win; both for Y: loss; orders disagree: tie."""
    a, b = p_first_order1 >= 0.5, p_first_order2 >= 0.5
    return "win" if a and b else "loss" if not a and not b else "tie"


def mean_with_ci(values: Sequence[float], resamples: int = 2000, seed: int = 0) -> Score:
    if not values:
        return Score(None, None, None, 0)
    data = np.asarray(values, dtype=float)
    if len(data) < 2:
        return Score(float(data.mean()), None, None, len(data))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), (resamples, len(data)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Score(float(data.mean()), float(low), float(high), len(data))


def win_rate(outcomes: Sequence[str]) -> dict:
    points = [{"win": 1.0, "tie": 0.5, "loss": 0.0}[o] for o in outcomes]
    return {"win_rate": mean_with_ci(points).as_dict(), "wins": outcomes.count("win"),
            "ties": outcomes.count("tie"), "losses": outcomes.count("loss")}


def length_controlled_win_rate(points: Sequence[float], length_diffs: Sequence[float]) -> float | None:
    """The win rate with the effect of length regressed out (as AlpacaEval's length-controlled
    win rate): fit P(win) = s(a + b * z) to the outcomes (win 1, tie 0.5, loss 0), z the length
    difference (model minus baseline) scaled by its standard deviation, and report s(a), the
    win rate when both answers are as long."""
    if len(points) < 2:
        return None
    y = np.asarray(points, dtype=float)
    z = np.asarray(length_diffs, dtype=float)
    z = (z - 0) / (z.std() or 1.0)  # not centred: zero means equally long
    x = np.stack([np.ones_like(z), z], axis=1)
    w = np.zeros(2)
    for _ in range(50):  # Newton's method on the logistic log-likelihood, with a small ridge
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (y - p) - 1e-3 * w
        hessian = -(x.T * (p * (1 - p))) @ x - 1e-3 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return float(1 / (1 + np.exp(-w[0])))
