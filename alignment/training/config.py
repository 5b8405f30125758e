"""What a training run is: one dataclass for every method, with the papers' defaults.

A value of 0 (or "") for a method-dependent field means "the method's default", filled in by
`resolved()`, so a launch form and a YAML file can both leave them out and the preview shows
exactly what will run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from alignment.errors import UserError
from alignment.models import DEFAULT_MODEL

METHODS = {
    "sft": "SFT on prompt/completion records (e.g. SL-CAI revisions)",
    "reward": "reward model on preference pairs (instructable: principles in its input, SALMON)",
    "dpo": "DPO on preference pairs",
    "grpo": "GRPO: online RL rewarded by a reward model or a rubric judge, KL to the reference policy",
    "rloo": "RLOO: online RL rewarded by a reward model or a rubric judge, KL to the reference policy",
}
ONLINE = ("grpo", "rloo")

# Method defaults. SFT and DPO follow Self-Rewarding LMs / Zephyr-style small-model recipes
# (DPO beta 0.1); the reward model uses TRL's RewardConfig learning rate; GRPO/RLOO use a
# small learning rate with a KL term (beta) so the policy stays near the reference.
DEFAULTS = {
    "sft": {"learning_rate": 2e-5},
    "reward": {"learning_rate": 1e-5},
    "dpo": {"learning_rate": 5e-7, "beta": 0.1},
    "grpo": {"learning_rate": 1e-6, "beta": 0.04},
    "rloo": {"learning_rate": 1e-6, "beta": 0.05},
}


@dataclass
class TrainConfig:
    method: str = field(default="dpo", metadata={"help": " | ".join(METHODS)})
    model: str = field(default=DEFAULT_MODEL, metadata={"help": "policy (or reward model base): a model name or folder"})
    dataset: str = field(default="", metadata={"help": "JSONL, Parquet, or datasets-folder (.tar or dir) of records"})
    output: str = field(default="", metadata={"help": "run folder: checkpoints/ and final/ go here"})
    device: str = field(default="auto", metadata={"help": "auto | cpu | gpu"})
    max_steps: int = field(default=0, metadata={"help": "optimizer steps; 0 = one pass over the data (epochs)"})
    epochs: float = field(default=1.0, metadata={"help": "passes over the data when max_steps is 0"})
    learning_rate: float = field(default=0.0, metadata={"help": "0 = the method's default"})
    batch_size: int = field(default=4, metadata={"help": "per-device batch size"})
    grad_accum: int = field(default=1, metadata={"help": "gradient accumulation steps"})
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps with a linear warm-up"})
    max_length: int = field(default=512, metadata={"help": "tokens per example (prompt + response)"})
    beta: float = field(default=0.0, metadata={"help": "DPO beta / KL coefficient for GRPO, RLOO; 0 = default"})
    lora: bool = field(default=False, metadata={"help": "train a LoRA adapter (peft), merged at the end"})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha"})
    save_steps: int = field(default=50, metadata={"help": "checkpoint every N steps (safetensors)"})
    keep_checkpoints: int = field(default=2, metadata={"help": "checkpoints kept on disk"})
    seed: int = field(default=42, metadata={"help": "data order and initialisation"})
    # reward models
    instructable: bool = field(default=False, metadata={"help": "reward model: principles are part of its input"})
    constitution: str = field(default="", metadata={"help": "YAML of the principles named in the records"})
    # online RL
    reward_model: str = field(default="", metadata={"help": "GRPO/RLOO: a trained reward model folder"})
    reward_judge: str = field(default="", metadata={"help": "GRPO/RLOO instead of a reward model: a judge model that "
                                                            "scores each completion with the constitution's rubric"})
    principles: str = field(default="", metadata={"help": "GRPO/RLOO with an instructable RM: principle keys, "
                                                          "comma-separated; prefix ~ for the negation"})
    num_generations: int = field(default=4, metadata={"help": "GRPO/RLOO: completions per prompt"})
    max_completion_length: int = field(default=128, metadata={"help": "GRPO/RLOO: new tokens per completion"})
    temperature: float = field(default=0.7, metadata={"help": "GRPO/RLOO sampling temperature"})

    def resolved(self) -> "TrainConfig":
        """A copy with the method's defaults filled in and everything checked."""
        self.validate()
        values = dataclasses.asdict(self)
        for key, value in DEFAULTS[self.method].items():
            if not values[key]:
                values[key] = value
        return TrainConfig(**values)

    def validate(self) -> None:
        problems = []
        if self.method not in METHODS:
            problems.append(f"method must be one of {', '.join(METHODS)}")
        if self.device not in ("auto", "cpu", "gpu"):
            problems.append("device must be auto, cpu or gpu")
        checks = [
            ("max_steps", 0 <= self.max_steps <= 1_000_000), ("epochs", 0 < self.epochs <= 100),
            ("learning_rate", 0 <= self.learning_rate <= 1e-2), ("batch_size", 1 <= self.batch_size <= 1024),
            ("grad_accum", 1 <= self.grad_accum <= 1024), ("warmup_ratio", 0 <= self.warmup_ratio < 1),
            ("max_length", 16 <= self.max_length <= 32768), ("beta", 0 <= self.beta <= 10),
            ("lora_r", 1 <= self.lora_r <= 1024), ("lora_alpha", 1 <= self.lora_alpha <= 4096),
            ("save_steps", 1 <= self.save_steps <= 1_000_000), ("keep_checkpoints", 1 <= self.keep_checkpoints <= 100),
            ("num_generations", 2 <= self.num_generations <= 64),
            ("max_completion_length", 1 <= self.max_completion_length <= 8192),
            ("temperature", 0 < self.temperature <= 2),
        ]
        problems += [f"{name} is out of range" for name, ok in checks if not ok]
        if self.method in ONLINE:
            if bool(self.reward_model) == bool(self.reward_judge):
                problems.append(f"{self.method} needs a reward_model or a reward_judge (one of the two)")
            if self.reward_judge and not self.constitution:
                problems.append("a reward_judge needs the constitution whose rubric it scores by")
            if self.reward_judge and self.principles:
                problems.append("principles steer an instructable reward_model; a reward_judge scores by the rubric")
            if (self.batch_size * self.grad_accum) % self.num_generations:
                problems.append(f"batch_size x grad_accum ({self.batch_size * self.grad_accum}) must be a multiple of "
                                f"num_generations ({self.num_generations}): each prompt's completions share a batch")
        if self.instructable and self.method != "reward":
            problems.append("instructable applies to reward models only")
        if self.instructable and not self.constitution:
            problems.append("an instructable reward model needs the constitution its records name")
        if problems:
            raise UserError("; ".join(problems))
