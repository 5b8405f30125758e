"""What an evaluation measures (one dataclass for the "evaluate" job kind)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.model_folders import DEFAULT_MODEL

EVAL_KINDS = {"win_rate": "win rate vs a baseline, judged under a constitution",
              "rm_accuracy": "reward-model accuracy on a held-out labeled dataset",
              "controllability": "an instructable reward model's accuracy under principles P and under their "
                                 "negations ~P (SALMON)",
              "behaviour": "behaviour without a judge: refusal rate on harmful prompts, over-refusal on benign "
                           "prompts, answer length"}
NEEDS_CONSTITUTION = ("win_rate", "controllability")
ON_PAIRS = ("rm_accuracy", "controllability")


@dataclass
class EvalConfig(Config):
    KIND: ClassVar[str] = "evaluate"
    prompts: str = path("win_rate: JSONL of {key, prompt}; rm_accuracy and controllability: a dataset file of "
                        "labeled pairs")
    constitution: str = path("win_rate: YAML with comparison principles; controllability: the principles P")
    benign: str = path("behaviour: JSONL of {key, prompt} benign prompts (over-refusal); prompts holds the harmful ones")
    output: str = path("where per-item results go (JSONL; - = stdout)", default="-")
    kind: str = choice("win_rate", "what to measure", options=EVAL_KINDS)
    model: str = choice(DEFAULT_MODEL, "the model under test (a policy, or a reward model)", model=True)
    baseline: str = choice(DEFAULT_MODEL, "win rate: the model it is compared with", model=True)
    judge: str = choice(DEFAULT_MODEL, "win rate: the judge model", model=True)
    principles: str = choice("", "win rate: comma-separated comparison principle keys (blank: every comparison "
                                 "principle); harmlessness on a red-team set measures harmlessness. Controllability "
                                 "and reward-model accuracy of an instructable model: the principles P it is steered "
                                 "by (~key negates)")
    max_new_tokens: int = choice(128, "answer length in tokens", min=1, max=4096)
    temperature: float = choice(0.0, "answers: 0 = greedy", min=0, max=2)
    seed: int = choice(0, "sampling seed", min=0, max=2**32 - 1)
    batch_size: int = choice(8, "prompts per forward pass", min=1, max=512)

    def problems(self) -> list[str]:
        if self.kind == "controllability" and not self.principles.strip():
            return ["controllability needs the principles P to steer the reward model by"]
        return []

    def check_files(self) -> None:
        if not self.prompts:
            raise UserError("prompts: the held-out prompts (win_rate) or labeled pairs (rm_accuracy) are required")
        if self.kind in NEEDS_CONSTITUTION and not self.constitution:
            raise UserError(f"{self.kind} needs a constitution")
        if self.kind == "behaviour" and not self.benign:
            raise UserError("behaviour needs benign prompts (benign) beside the harmful ones (prompts)")
