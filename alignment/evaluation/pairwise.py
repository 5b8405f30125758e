"""Win rate: model X and baseline Y each answer every held-out prompt; the judge compares the two
answers under sampled comparison principles in both presentation orders (RL-CAI's multiple-choice
judge). A prompt is a win for X when both orders prefer X, a loss when both prefer Y, and a tie
when the orders disagree; win rate = (wins + ties / 2) / prompts, with a 95% bootstrap interval
over prompts. Run on the shipped red-team prompts under the harmlessness principle, the same
measure is a harmlessness comparison.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from alignment.errors import UserError
from alignment.evaluation.config import EvalConfig
from alignment.evaluation.stats import outcome


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
