"""A whole feedback run on plain files: prompts -> policy samples -> judge -> records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from alignment.constitution import Constitution, ConstitutionError, from_yaml
from alignment.errors import UserError
from alignment.feedback import critique, pairwise, pointwise
from alignment.generation import Backend, load_backend
from alignment.models import DEFAULT_MODEL, resolve_model
from alignment.sampling import PromptRecord, SampleConfig, read_prompts, sample

METHODS = ("rl_cai", "salmon", "self_rewarding", "sl_cai")
DEFAULT_N = {"rl_cai": 2, "salmon": 2, "self_rewarding": 4, "sl_cai": 1}


@dataclass
class FeedbackConfig:
    method: str = field(default="rl_cai", metadata={"help": "rl_cai, salmon, self_rewarding or sl_cai"})
    constitution: str = field(default="", metadata={"help": "constitution YAML file (the principles/ format)"})
    prompts: str = field(default="", metadata={"help": "JSONL of {key, prompt}"})
    output: str = field(default="-", metadata={"help": "JSONL to write, or - for stdout"})
    policy_model: str = field(default=DEFAULT_MODEL, metadata={"help": "model that answers the prompts"})
    judge_model: str = field(default=DEFAULT_MODEL, metadata={"help": "model that judges, critiques and revises"})
    n: int = field(default=0, metadata={"help": "responses per prompt; 0 = the method's default (2, 2, 4, 1)"})
    temperature: float = field(default=0.7, metadata={"help": "policy sampling temperature (paper: 0.7)"})
    top_p: float = field(default=0.9, metadata={"help": "policy nucleus mass (paper: 0.9)"})
    max_new_tokens: int = field(default=128, metadata={"help": "policy response length"})
    seed: int = field(default=0, metadata={"help": "seed for sampling and principle choice"})
    batch_size: int = field(default=8, metadata={"help": "prompts per forward pass"})
    principles_per_pair: int = field(default=1, metadata={"help": "pairwise: k principles per pair"})
    negate_fraction: float = field(default=0.0, metadata={"help": "salmon: share of negated judgments"})
    chain_of_thought: bool = field(default=False, metadata={"help": "pairwise: reason first, clamp to [0.4, 0.6]"})
    cot_max_new_tokens: int = field(default=128, metadata={"help": "pairwise: reasoning length"})
    judgments_per_response: int = field(default=3, metadata={"help": "self_rewarding: k judgments averaged"})
    judge_max_new_tokens: int = field(default=256, metadata={"help": "self_rewarding: rationale length"})
    score_mode: str = field(default="parse", metadata={"help": "self_rewarding: parse (paper) or forced (the judge's "
                                                               "expected score after 'Score: ' when it wrote none)"})
    rounds: int = field(default=1, metadata={"help": "sl_cai: critique/revision rounds"})

    def responses_per_prompt(self) -> int:
        return self.n or DEFAULT_N[self.method]

    def check(self, constitution: Constitution | None = None) -> Constitution:
        """Everything that can be checked before a model loads; returns the constitution."""
        if self.method not in METHODS:
            raise UserError(f"method must be one of {', '.join(METHODS)}")
        if constitution is None:
            constitution = self.load_constitution()
        n = self.responses_per_prompt()
        if self.method in ("rl_cai", "salmon") and n != 2:
            raise UserError("pairwise methods compare exactly 2 responses per prompt (n = 2)")
        if self.method == "self_rewarding" and n < 2:
            raise UserError("self_rewarding needs at least 2 responses per prompt")
        self.sampler().validate()
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
            return pairwise.PairwiseConfig(self.method, self.principles_per_pair, self.negate_fraction,
                                           self.chain_of_thought, self.cot_max_new_tokens, self.batch_size, self.seed)
        if self.method == "self_rewarding":
            return pointwise.PointwiseConfig(self.judgments_per_response, 0.7, 0.9, self.judge_max_new_tokens,
                                             self.batch_size, self.seed, self.score_mode)
        return critique.CritiqueConfig(self.rounds, self.temperature, self.top_p, self.max_new_tokens,
                                       self.batch_size, self.seed)


def run(config: FeedbackConfig, prompts: list[PromptRecord] | None = None,
        backends: Callable[[str], Backend] | None = None) -> Iterator[tuple[str, list[dict]]]:
    """Yield ("samples", records) per policy batch, then (method, records) per judge batch."""
    constitution = config.check()
    prompts = prompts if prompts is not None else read_prompts(Path(config.prompts))
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
    if config.method in ("rl_cai", "salmon"):
        items = [pairwise.Pair(k, texts[k], r[0], r[1]) for k, r in by_key.items()]
        batches = pairwise.judge(judge, constitution, items, stage)
    elif config.method == "self_rewarding":
        items = [pointwise.Candidates(k, texts[k], r) for k, r in by_key.items()]
        batches = pointwise.judge(judge, constitution, items, stage)
    else:
        items = [critique.Answer(k, texts[k], r[0]) for k, r in by_key.items()]
        batches = critique.revise(judge, constitution, items, stage)
    for records in batches:
        yield config.method, records
