"""Evaluation: head-to-head win rate judged under a constitution, and reward-model accuracy.

Win rate: model X and baseline Y each answer every held-out prompt; the judge compares the
two answers under sampled comparison principles in both presentation orders (RL-CAI's
multiple-choice judge). A prompt is a win for X when both orders prefer X, a loss when both
prefer Y, and a tie when the orders disagree; win rate = (wins + ties / 2) / prompts, with a
95% bootstrap interval over prompts. Run on the shipped red-team prompts under the
harmlessness principle, the same measure is a harmlessness comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.model_folders import DEFAULT_MODEL

EVAL_KINDS = {"win_rate": "win rate vs a baseline, judged under a constitution",
              "rm_accuracy": "reward-model accuracy on a held-out labeled dataset"}


@dataclass
class EvalConfig(Config):
    KIND: ClassVar[str] = "evaluate"
    prompts: str = path("win_rate: JSONL of {key, prompt}; rm_accuracy: a dataset file of labeled pairs")
    constitution: str = path("win_rate: YAML with comparison principles")
    output: str = path("where per-item results go (JSONL; - = stdout)", default="-")
    kind: str = choice("win_rate", "what to measure", options=EVAL_KINDS)
    model: str = choice(DEFAULT_MODEL, "the model under test (a policy, or a reward model)", model=True)
    baseline: str = choice(DEFAULT_MODEL, "win rate: the model it is compared with", model=True)
    judge: str = choice(DEFAULT_MODEL, "win rate: the judge model", model=True)
    principles: str = choice("", "win rate: comma-separated comparison principle keys (blank: every comparison "
                                 "principle); harmlessness on a red-team set measures harmlessness")
    max_new_tokens: int = choice(128, "answer length in tokens", min=1, max=4096)
    temperature: float = choice(0.0, "answers: 0 = greedy", min=0, max=2)
    seed: int = choice(0, "sampling seed", min=0, max=2**32 - 1)
    batch_size: int = choice(8, "prompts per forward pass", min=1, max=512)

    def check_files(self) -> None:
        if not self.prompts:
            raise UserError("prompts: the held-out prompts (win_rate) or labeled pairs (rm_accuracy) are required")
        if self.kind == "win_rate" and not self.constitution:
            raise UserError("win_rate needs a constitution for the judge")


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


def rm_accuracy(scorer: Callable[[list, list], list[float]], records: list[dict], batch: int = 16) -> Iterator[dict]:
    """Per labeled pair: does the reward model score the chosen response above the rejected one?"""
    for start in range(0, len(records), batch):
        chunk = records[start:start + batch]
        prompts = [r["prompt"] for r in chunk]
        chosen = scorer(prompts, [r["chosen"] for r in chunk])
        rejected = scorer(prompts, [r["rejected"] for r in chunk])
        for r, c, j in zip(chunk, chosen, rejected):
            yield {"key": r.get("key", start), "chosen_score": c, "rejected_score": j, "correct": c > j}


def head_to_head(model, baseline, judge, constitution, prompts, config: EvalConfig) -> Iterator[list[dict]]:
    """Per batch of prompts: both answers, the judgments in both orders, and the outcome."""
    from alignment.feedback.pairwise import Pair, PairwiseConfig
    from alignment.feedback.pairwise import judge as judge_pairs
    from alignment.generation import SamplingParams

    keys = [k.strip() for k in config.principles.split(",") if k.strip()]
    if keys:
        known = {p.key for p in constitution.of_kind("comparison")}
        unknown = sorted(set(keys) - known)
        if unknown:
            raise UserError(f"unknown comparison principles: {', '.join(unknown)}")
        constitution = _only(constitution, keys)
    k = len(constitution.of_kind("comparison"))
    params = SamplingParams(config.temperature, 1.0, config.max_new_tokens, config.seed)
    pairwise = PairwiseConfig(method="rl_cai", principles_per_pair=k, batch_size=max(2 * k, config.batch_size),
                              seed=config.seed)
    for start in range(0, len(prompts), config.batch_size):
        batch = prompts[start:start + config.batch_size]
        texts = [p.prompt for p in batch]
        ours = [c[0].text for c in model.generate(texts, 1, params)]
        theirs = [c[0].text for c in baseline.generate(texts, 1, params)]
        pairs = [Pair(p.key, p.prompt, x, y) for p, x, y in zip(batch, ours, theirs)]
        records = [r for chunk in judge_pairs(judge, constitution, pairs, pairwise) for r in chunk]
        by_key = {r["pair_key"]: r for r in records}
        out = []
        for pair in pairs:
            r = by_key[pair.key]
            order: dict[int, list[float]] = {1: [], 2: []}
            for j in r["judgments"]:
                order[j["order"]].append(j["p_first"])
            result = outcome(float(np.mean(order[1])), float(np.mean(order[2])))
            out.append({"key": pair.key, "prompt": pair.prompt, "model_response": pair.first,
                        "baseline_response": pair.second, "p_model": r["p_first"], "outcome": result,
                        "principles": r["principles"], "judgments": r["judgments"]})
        yield out


def _only(constitution, keys: list[str]):
    """The constitution with only the named comparison principles (preambles kept)."""
    import dataclasses

    kept = [p for p in constitution.principles if p.kind != "comparison" or p.key in keys]
    return dataclasses.replace(constitution, principles=kept)
