"""RL-CAI and SALMON pairwise judging: multiple choice under a principle, in both orders.

For each pair and each sampled principle, the judge sees the prompt, the principle's
question and both responses as options (A) and (B); the normalised probabilities of the
next token being "A" or "B" are the soft label. Every judgment is made twice, once per
presentation order, all in batched forward passes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from alignment import judge_prompts
from alignment.constitution import Constitution, Principle
from alignment.errors import UserError
from alignment.feedback.labels import (
    average_principles,
    choice_probability,
    clamp,
    combine_orders,
    first_preferred,
)
from alignment.generation import Backend, SamplingParams


@dataclass
class PairwiseConfig:
    method: str = field(default="rl_cai", metadata={"help": "rl_cai (average over k principles) or salmon (a record per "
                                                           "principle)"})
    principles_per_pair: int = field(default=1, metadata={"help": "k principles sampled per pair"})
    principles: str = field(default="", metadata={"help": "comma-separated keys to sample from (blank: every one)"})
    chain_of_thought: bool = field(default=False, metadata={"help": "reason first; labels clamped to [0.4, 0.6]"})
    cot_max_new_tokens: int = field(default=128, metadata={"help": "length of the reasoning"})
    batch_size: int = field(default=8, metadata={"help": "judge prompts per forward pass"})
    seed: int = field(default=0, metadata={"help": "principle sampling and reasoning seed"})
    share_prefix: bool = field(default=True, metadata={"help": "encode the judge prompts' common head once"})

    def validate(self, constitution: Constitution) -> list[Principle]:
        """What depends on the constitution; the numbers were checked by FeedbackConfig."""
        principles = constitution.of_kind("comparison")
        if not principles:
            raise UserError(f"{constitution.name!r} has no enabled comparison principle; pairwise judging needs one")
        wanted = [k.strip() for k in self.principles.split(",") if k.strip()]
        unknown = sorted(set(wanted) - {p.key for p in principles})
        if unknown:
            raise UserError(f"principles: {', '.join(unknown)} not among the enabled comparison principles "
                            f"({', '.join(p.key for p in principles)})")
        principles = [p for p in principles if not wanted or p.key in wanted]
        if not 1 <= self.principles_per_pair <= len(principles):
            raise UserError(f"principles_per_pair must be between 1 and {len(principles)}")
        return principles


@dataclass(frozen=True)
class Pair:
    key: str
    prompt: str
    first: str
    second: str


@dataclass
class Judgment:
    pair_key: str
    principle_key: str
    negated: bool  # always False: the judge asks the positive question (SALMON negates in reward-model data)
    order: int  # 1: first shown as (A); 2: second shown as (A)
    p_a: float
    p_first: float
    rationale: str
    latency_ms: float


def _plan(pairs: list[Pair], principles: list[Principle], config: PairwiseConfig):
    """Which principles judge which pair: seeded, so a re-run is identical."""
    rng = random.Random(config.seed)
    return [(pair, principle) for pair in pairs for principle in rng.sample(principles, config.principles_per_pair)]


def judge(backend: Backend, constitution: Constitution, pairs: list[Pair], config: PairwiseConfig) -> Iterator[list[dict]]:
    """Yield, per batch of pairs, one record per pair (rl_cai) or per pair and principle
    (salmon), each with its judgments in both orders."""
    principles = config.validate(constitution)
    preamble = next(iter(constitution.of_kind("preamble")), None)
    plan = _plan(pairs, principles, config)
    # All of a pair's judgments go in the same batch, so each yielded record is complete.
    per_pair = 2 * config.principles_per_pair
    pairs_per_batch = max(1, config.batch_size // per_pair)
    step = pairs_per_batch * config.principles_per_pair
    for start in range(0, len(plan), step):
        chunk = plan[start : start + step]
        judgments = _judge_chunk(backend, chunk, preamble, config)
        yield _records(chunk, judgments, config)


def _judge_chunk(backend: Backend, chunk, preamble, config: PairwiseConfig) -> list[Judgment]:
    prompts, meta = [], []
    for pair, principle in chunk:
        for order, (a, b) in ((1, (pair.first, pair.second)), (2, (pair.second, pair.first))):
            prompts.append(judge_prompts.pairwise_prompt(principle, pair.prompt, a, b, preamble,
                                                         chain_of_thought=config.chain_of_thought))
            meta.append((pair, principle, order))
    began = time.perf_counter()
    rationales = [""] * len(prompts)
    prefixes = [judge_prompts.ANSWER_PREFIX] * len(prompts)
    if config.chain_of_thought:
        outs = backend.generate(prompts, 1, SamplingParams(0.0, 1.0, config.cot_max_new_tokens, config.seed))
        rationales = [o[0].text for o in outs]
        prefixes = [f"{r}\n{judge_prompts.ANSWER_PREFIX}" for r in rationales]
    logprobs = backend.next_token_logprobs(prompts, prefixes, ["A", "B"], share_prefix=config.share_prefix)
    latency = (time.perf_counter() - began) * 1000 / len(prompts)
    judgments = []
    for (pair, principle, order), (lp_a, lp_b), rationale in zip(meta, logprobs, rationales):
        p_a = choice_probability(lp_a, lp_b)
        p_first = first_preferred(p_a, first_shown_as_a=order == 1)
        if config.chain_of_thought:
            p_first = clamp(p_first)
        judgments.append(Judgment(pair.key, principle.key, False, order, p_a, p_first, rationale, latency))
    return judgments


def _records(chunk, judgments: list[Judgment], config: PairwiseConfig) -> list[dict]:
    by_item: dict[tuple, list[Judgment]] = {}
    for j in judgments:
        by_item.setdefault((j.pair_key, j.principle_key), []).append(j)
    groups: dict[str, list] = {}
    for pair, principle in chunk:
        key = pair.key if config.method == "rl_cai" else f"{pair.key}:{principle.key}"
        groups.setdefault(key, [pair, [], []])
        js = sorted(by_item[(pair.key, principle.key)], key=lambda j: j.order)
        groups[key][1].append(combine_orders(js[0].p_first, js[1].p_first))
        groups[key][2] += js
    records = []
    for key, (pair, combined_list, js) in groups.items():
        label = average_principles(combined_list)
        chosen_first = label.p_first >= 0.5
        records.append({
            "key": key, "pair_key": pair.key, "prompt": pair.prompt, "method": config.method,
            "chosen": pair.first if chosen_first else pair.second,
            "rejected": pair.second if chosen_first else pair.first,
            "p_first": label.p_first, "soft_label": max(label.p_first, 1 - label.p_first),
            "margin": abs(2 * label.p_first - 1), "tie": label.tie,
            "principles": sorted({j.principle_key for j in js}),
            "negated": [],  # kept for the record format: negation is the reward-model data's (SALMON)
            "judgments": [asdict(j) for j in js],
        })
    return records
