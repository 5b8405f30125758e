"""SL-CAI: the model critiques its own answer under a randomly sampled principle and revises
it, for n rounds, with the constitution's worked examples (its preamble's `critique_exemplars`)
ahead of every request. Outputs an SFT record per round (the paper trains on the revisions of
every step, each marked with its round) and a pair (the final revision preferred to the original)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from alignment import judge_prompts
from alignment.constitution import Constitution
from alignment.errors import UserError
from alignment.generation import Backend, SamplingParams


@dataclass
class CritiqueConfig:
    rounds: int = field(default=1, metadata={"help": "critique -> revision rounds (the paper compares 0 to 4)"})
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature for critiques and revisions"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus mass"})
    max_new_tokens: int = field(default=256, metadata={"help": "length of each critique or revision"})
    batch_size: int = field(default=8, metadata={"help": "prompts per generate call"})
    seed: int = field(default=0, metadata={"help": "principle sampling and generation seed"})

    def validate(self, constitution: Constitution):
        principles = constitution.of_kind("critique_revision")
        if not principles:
            raise UserError(f"{constitution.name!r} has no enabled critique/revision principle; SL-CAI needs one")
        return principles


@dataclass(frozen=True)
class Answer:
    key: str
    prompt: str
    response: str


def revise(backend: Backend, constitution: Constitution, answers: list[Answer], config: CritiqueConfig) -> Iterator[list[dict]]:
    principles = config.validate(constitution)
    preamble = next(iter(constitution.of_kind("preamble")), None)
    rng = random.Random(config.seed)
    params = SamplingParams(config.temperature, config.top_p, config.max_new_tokens, config.seed)
    for start in range(0, len(answers), config.batch_size):
        chunk = answers[start : start + config.batch_size]
        current = [a.response for a in chunk]
        chains: list[list[dict]] = [[] for _ in chunk]
        for round_index in range(config.rounds):
            chosen = [rng.choice(principles) for _ in chunk]
            critiques = backend.generate(
                [judge_prompts.critique_prompt(p, a.prompt, r, preamble) for p, a, r in zip(chosen, chunk, current)], 1,
                params)
            critique_texts = [c[0].text for c in critiques]
            revisions = backend.generate(
                [judge_prompts.revision_prompt(p, a.prompt, r, c, preamble)
                 for p, a, r, c in zip(chosen, chunk, current, critique_texts)],
                1, params)
            for i, (p, c, rev) in enumerate(zip(chosen, critique_texts, revisions)):
                text = rev[0].text or current[i]  # an empty revision keeps the previous answer
                chains[i].append({"round": round_index + 1, "principle": p.key, "critique": c, "revision": text})
                current[i] = text
        yield [
            {"key": a.key, "prompt": a.prompt, "method": "sl_cai", "original": a.response, "revision": final,
             "chain": chain, "sft": [{"prompt": a.prompt, "completion": step["revision"], "round": step["round"]}
                                     for step in chain],
             "pair": {"prompt": a.prompt, "chosen": final, "rejected": a.response}}
            for a, final, chain in zip(chunk, current, chains)
        ]
