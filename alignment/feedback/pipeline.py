"""A whole feedback run on plain files: prompts -> policy samples -> judge -> records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.constitution import Constitution, ConstitutionError, from_yaml
from alignment.errors import UserError
from alignment.feedback import critique, pairwise, pointwise
from alignment.generation import Backend, load_backend
from alignment.judge_prompts import METHODS
from alignment.model_folders import DEFAULT_MODEL, resolve_model
from alignment.record_files import read_records
from alignment.records import PromptRecord, read_prompts, text_of
from alignment.sampling import SampleConfig, sample

DEFAULT_N = {"rl_cai": 2, "salmon": 2, "self_rewarding": 4, "sl_cai": 1}
SCORE_MODES = {"parse": "parse (the paper: a judgment without 'Score: N' is a parse failure)",
               "forced": "forced (the judge's expected score after 'Score: ', from its next-token probabilities)"}


@dataclass
class FeedbackConfig(Config):
    KIND: ClassVar[str] = "feedback"
    constitution: str = path("constitution YAML file (the principles/ format)")
    prompts: str = path("JSONL of {key, prompt} (the policy samples the responses)")
    pairs: str = path("instead of prompts: a file of given pairs (prompt, chosen, rejected; e.g. a Charter export or "
                      "a human-labelled set): the judge labels their two responses as they are, in both orders")
    output: str = path("JSONL to write, or - for stdout", default="-")
    method: str = choice("rl_cai", "how the responses are labelled", options=METHODS)
    policy_model: str = choice(DEFAULT_MODEL, "the model that answers the prompts", model=True)
    judge_model: str = choice(DEFAULT_MODEL, "the model that judges, critiques and revises", model=True)
    n: int = choice(0, "responses per prompt; 0 = the method's default (2 for RL-CAI and SALMON, 4 for "
                       "Self-Rewarding as in the paper, 1 for SL-CAI)", min=0, max=16, label="responses per prompt")
    temperature: float = choice(0.7, "policy sampling temperature (Self-Rewarding: 0.7)", min=0, max=5)
    top_p: float = choice(0.9, "policy nucleus mass (Self-Rewarding: 0.9)", above=0, max=1, label="top-p")
    max_new_tokens: int = choice(128, "policy response length in tokens", min=1, max=4096)
    seed: int = choice(0, "seed for sampling and principle choice", min=0, max=2**32 - 1)
    batch_size: int = choice(8, "prompts per forward pass", min=1, max=512)
    principles_per_pair: int = choice(1, "pairwise: k principles sampled per pair; RL-CAI averages their labels, "
                                         "SALMON writes a record per principle", min=1, max=100)
    principles: str = choice("", "pairwise: the comparison principles to sample from, comma-separated keys (blank: "
                                 "every enabled one; e.g. harmlessness for red-team prompts)", max_length=2000)
    chain_of_thought: bool = choice(False, "pairwise: the judge reasons first and its label is clamped to [0.4, 0.6] "
                                           "(Constitutional AI's chain-of-thought feedback)")
    cot_max_new_tokens: int = choice(128, "pairwise: length of the judge's reasoning", min=1, max=4096)
    judgments_per_response: int = choice(3, "Self-Rewarding: k judgments averaged per response (paper: 3)",
                                         min=1, max=16)
    judge_max_new_tokens: int = choice(256, "Self-Rewarding: room for the judge's rationale and score", min=1, max=4096)
    score_mode: str = choice("parse", "Self-Rewarding: how a judgment becomes a score", options=SCORE_MODES)
    rounds: int = choice(4, "SL-CAI: critique/revision rounds in sequence, each under a freshly drawn principle. "
                            "The paper (Bai et al. 2022, Sec. 3) revised up to 4 times and found harmlessness rose "
                            "with each revision; every round becomes an SFT record. Each round costs one critique "
                            "and one revision per prompt", min=1, max=8)

    def problems(self) -> list[str]:
        n = self.responses_per_prompt()
        if self.method in ("rl_cai", "salmon") and n != 2:
            return ["pairwise methods compare exactly 2 responses per prompt (n = 2)"]
        if self.method == "self_rewarding" and n < 2:
            return ["self_rewarding needs at least 2 responses per prompt"]
        if self.given and self.method == "sl_cai":
            return ["SL-CAI revises the policy's own answers: it takes prompts, not pairs"]
        return []

    @property
    def given(self) -> bool:
        """Labelling given pairs rather than sampling: the policy is never loaded."""
        return bool(self.pairs)

    def responses_per_prompt(self) -> int:
        if self.given:  # the two responses of each given pair
            return 2
        return self.n or DEFAULT_N[self.method]

    def check_files(self) -> None:
        if self.pairs and self.prompts:
            raise UserError("give prompts (the policy answers them) or pairs (the judge labels them), not both")
        if not self.pairs and not self.prompts:
            raise UserError("prompts: a JSONL file of {key, prompt} is required (or pairs: a file of given pairs)")

    def items(self) -> list[PromptRecord]:
        """The prompts, or the given pairs as prompts whose responses are already there (keyed
        by their `pair_id` when they carry one, so new pairs can point at the pairs they judged)."""
        if not self.given:
            return read_prompts(Path(self.prompts))
        out = []
        for n, record in enumerate(read_records(self.pairs), 1):
            where = f"pair {n}"
            prompt = text_of(record.get("prompt"), "user", where, "prompt", 100_000)
            responses = tuple(text_of(record.get(k), "assistant", where, k, 100_000) for k in ("chosen", "rejected"))
            out.append(PromptRecord(given_key(record, n), prompt, responses))
        if not out:
            raise UserError(f"{self.pairs} holds no pairs")
        return out

    def check(self, constitution: Constitution | None = None) -> Constitution:
        """Everything that can be checked before a model loads; returns the constitution."""
        self.validate()
        if constitution is None:
            constitution = self.load_constitution()
        self.stage_config().validate(constitution)
        return constitution

    def load_constitution(self) -> Constitution:
        if not self.constitution:
            raise UserError("constitution: a YAML file is required")
        try:
            return from_yaml(Path(self.constitution).read_bytes())
        except OSError as exc:
            raise UserError(f"cannot read constitution {self.constitution}: {exc}") from exc
        except ConstitutionError as exc:
            raise UserError(f"constitution {self.constitution}: {exc}") from exc

    def sampler(self) -> SampleConfig:
        return SampleConfig(model=self.policy_model, n=self.responses_per_prompt(), temperature=self.temperature,
                            top_p=self.top_p, max_new_tokens=self.max_new_tokens, seed=self.seed,
                            batch_size=self.batch_size)

    def stage_config(self):
        if self.method in ("rl_cai", "salmon"):
            return pairwise.PairwiseConfig(self.method, self.principles_per_pair, self.principles, self.chain_of_thought,
                                           self.cot_max_new_tokens, self.batch_size, self.seed)
        if self.method == "self_rewarding":
            return pointwise.PointwiseConfig(self.judgments_per_response, 0.7, 0.9, self.judge_max_new_tokens,
                                             self.batch_size, self.seed, self.score_mode)
        return critique.CritiqueConfig(self.rounds, self.temperature, self.top_p, self.max_new_tokens,
                                       self.batch_size, self.seed)


def given_key(record: dict, n: int) -> str:
    """A given pair's key: its Charter pair id, else its own key, else its place in the file (from 1)."""
    return str(record.get("pair_id") or record.get("key") or n)


def run(config: FeedbackConfig, prompts: list[PromptRecord] | None = None,
        backends: Callable[[str], Backend] | None = None) -> Iterator[tuple[str, list[dict]]]:
    """Yield ("samples", records) per policy batch, then (method, records) per judge batch."""
    constitution = config.check()
    prompts = prompts if prompts is not None else config.items()
    cache: dict[str, Backend] = {}

    def backend(name: str) -> Backend:
        path = resolve_model(name)
        if str(path) not in cache:
            cache[str(path)] = backends(name) if backends else load_backend(path)
        return cache[str(path)]

    n = config.responses_per_prompt()
    by_key: dict[str, list[str]] = {p.key: list(p.responses[:n]) for p in prompts if len(p.responses) >= n}
    to_sample = [p for p in prompts if p.key not in by_key]
    if to_sample:
        for batch in sample(backend(config.policy_model), to_sample, config.sampler()):
            for record in batch:
                by_key.setdefault(record["key"], []).append(record["text"])
            yield "samples", batch
    texts = {p.key: p.prompt for p in prompts}
    judge = backend(config.judge_model)
    stage = config.stage_config()
    batches: Iterator[list[dict]]
    if config.method in ("rl_cai", "salmon"):
        pairs = [pairwise.Pair(k, texts[k], r[0], r[1]) for k, r in by_key.items()]
        batches = pairwise.judge(judge, constitution, pairs, stage)
    elif config.method == "self_rewarding":
        candidates = [pointwise.Candidates(k, texts[k], r) for k, r in by_key.items()]
        batches = pointwise.judge(judge, constitution, candidates, stage)
    else:
        answers = [critique.Answer(k, texts[k], r[0]) for k, r in by_key.items()]
        batches = critique.revise(judge, constitution, answers, stage)
    for records in batches:
        yield config.method, records
