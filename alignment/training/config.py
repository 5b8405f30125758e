"""What a training run is: one dataclass for every method, with the papers' defaults.

A value of 0 (or "") for a method-dependent field means "the method's default", filled in by
`resolved()`, so a launch form and a YAML file can both leave them out and the preview shows
exactly what will run.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.model_folders import DEFAULT_MODEL

METHODS = {
    "sft": "SFT on prompt/completion records (e.g. SL-CAI revisions)",
    "reward": "reward model on preference pairs (instructable: principles in its input, SALMON)",
    "dpo": "DPO on preference pairs (or IPO, robust DPO, hinge: see loss type)",
    "kto": "KTO on unpaired good / bad examples",
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
    "kto": {"learning_rate": 5e-7, "beta": 0.1},
    "grpo": {"learning_rate": 1e-6, "beta": 0.04},
    "rloo": {"learning_rate": 1e-6, "beta": 0.05},
}


TRACKING = {"none": "none (Charter's own charts only)", "tensorboard": "TensorBoard", "mlflow": "MLflow",
            "both": "TensorBoard and MLflow"}
STRATEGIES = {"ddp": "DDP: every process holds the whole model, gradients are averaged",
              "zero2": "DeepSpeed ZeRO-2: optimizer states and gradients sharded across the GPUs",
              "zero3": "DeepSpeed ZeRO-3: parameters too (the largest models)",
              "fsdp": "FSDP (full shard): parameters, gradients and optimizer states sharded"}
DEVICES = {"auto": "auto (GPU if the worker has one)", "cpu": "CPU", "gpu": "GPU (queue gpu)"}
LABELS = {"soft": "soft: the judge's probability p (Constitutional AI); ties are p = 0.5",
          "hard": "hard: the chosen side always wins; ties are left out"}
LOSSES = {"sigmoid": "DPO (Rafailov et al. 2023)", "ipo": "IPO (Azar et al. 2023; beta is its tau)",
          "robust": "robust DPO (Chowdhury et al. 2024; label smoothing = the flip rate)",
          "hinge": "SLiC-style hinge (Zhao et al. 2023)"}


@dataclass
class TrainConfig(Config):
    KIND: ClassVar[str] = "train"
    dataset: str = path("JSONL, Parquet, or datasets-folder (.tar or dir) of records")
    output: str = path("run folder: checkpoints/ and final/ go here")
    constitution: str = path("YAML of the principles named in the records (instructable reward models, "
                             "principles at RL time, a reward judge's rubric)")
    method: str = choice("dpo", "what to train", options=METHODS)
    model: str = choice(DEFAULT_MODEL, "policy (or reward model base): a model name or folder", model=True)
    device: str = choice("auto", "where to train", options=DEVICES)
    max_steps: int = choice(0, "optimizer steps; 0 = one pass over the data (epochs)", min=0, max=1_000_000)
    epochs: float = choice(1.0, "passes over the data when max_steps is 0", above=0, max=100)
    learning_rate: float = choice(0.0, "0 = the method's default (DPO 5e-7, SFT 2e-5, reward model 1e-5, "
                                       "GRPO/RLOO 1e-6)", min=0, max=1e-2)
    batch_size: int = choice(4, "per-device batch size", min=1, max=1024)
    grad_accum: int = choice(1, "gradient accumulation steps", min=1, max=1024)
    warmup_ratio: float = choice(0.1, "share of steps with a linear warm-up", min=0, max=0.99)
    max_length: int = choice(512, "tokens per example (prompt + response)", min=16, max=32768)
    beta: float = choice(0.0, "DPO / KTO beta, KL coefficient for GRPO, RLOO; 0 = the method's default (DPO and "
                              "KTO 0.1, GRPO 0.04, RLOO 0.05)", min=0, max=10)
    labels: str = choice("soft", "reward model and DPO: what a pair teaches. Soft trains on the record's soft label p "
                                 "(Constitutional AI trains its preference model on the normalised (A)/(B) "
                                 "probabilities and found soft targets better); human-labelled pairs are p = 1",
                         options=LABELS)
    loss_type: str = choice("sigmoid", "DPO's loss (TRL's loss types)", options=LOSSES)
    label_smoothing: float = choice(0.0, "robust DPO: the assumed rate of flipped labels (its paper suggests 0.1)",
                                    min=0, max=0.49)
    lora: bool = choice(False, "train a LoRA adapter (peft), merged into a plain model folder at the end")
    lora_r: int = choice(16, "LoRA rank", min=1, max=1024)
    lora_alpha: int = choice(32, "LoRA alpha", min=1, max=4096)
    save_steps: int = choice(50, "checkpoint every N steps (safetensors)", min=1, max=1_000_000)
    keep_checkpoints: int = choice(2, "checkpoints kept on disk", min=1, max=100)
    seed: int = choice(42, "data order and initialisation", min=0, max=2**32 - 1)
    processes: int = choice(1, "training processes (one per GPU; on CPU, gloo processes): above 1 the worker starts "
                               "the run with `accelerate launch` and needs a worker serving the gpu-N queue on GPU",
                            min=1, max=64)
    strategy: str = choice("ddp", "how several processes share the work (accelerate: DDP, DeepSpeed, FSDP)",
                           options=STRATEGIES)
    tracking: str = choice("none", "also write the metrics where TRL users look, offline, into the run folder: "
                                   "TensorBoard (tensorboard/, open with `tensorboard --logdir`) and / or MLflow "
                                   "(mlruns/, open with `mlflow ui --backend-store-uri`)", options=TRACKING)
    # reward models
    instructable: bool = choice(False, "reward model: the principles a pair was judged under are part of its input "
                                       "(SALMON's instructable reward model)")
    principles_per_example: int = choice(3, "instructable: principles shown per example, sampled by weight from those "
                                            "that judged the pair; the most decisive one labels it", min=1, max=20)
    negate_fraction: float = choice(0.3, "instructable: chance that a shown principle is negated (its negative "
                                         "definition shown; if it labels the example, chosen and rejected swap)",
                                    min=0, max=1)
    # online RL
    reward_model: str = choice("", "GRPO/RLOO: a trained reward model", model=True)
    reward_judge: str = choice("", "GRPO/RLOO instead of a reward model: a judge model that scores each completion "
                                   "with the constitution's rubric", model=True)
    principles: str = choice("", "GRPO/RLOO with an instructable reward model: principle keys, comma-separated; "
                                 "~key for its negation, +key to show it with every prompt")
    principles_per_prompt: int = choice(0, "GRPO/RLOO: principles sampled per prompt (by weight) besides the +keys; "
                                           "0 = all of them for every prompt", min=0, max=20)
    num_generations: int = choice(4, "GRPO/RLOO: completions per prompt", min=2, max=64)
    max_completion_length: int = choice(128, "GRPO/RLOO: new tokens per completion", min=1, max=8192)
    temperature: float = choice(0.7, "GRPO/RLOO sampling temperature", above=0, max=2)
    vllm: bool = choice(False, "GRPO/RLOO: generate the rollouts with vLLM (TRL's colocated mode, on the training "
                               "GPUs); needs device gpu and vLLM on the worker")

    def resolved(self) -> TrainConfig:
        """A copy with the method's defaults filled in and every choice checked."""
        self.validate()
        values = dataclasses.asdict(self)
        for key, value in DEFAULTS[self.method].items():
            if not values[key]:
                values[key] = value
        return TrainConfig(**values)

    def problems(self) -> list[str]:
        problems = []
        if self.method in ONLINE:
            if bool(self.reward_model) == bool(self.reward_judge):
                problems.append(f"{self.method} needs a reward_model or a reward_judge (one of the two)")
            if self.reward_judge and self.principles:
                problems.append("principles steer an instructable reward_model; a reward_judge scores by the rubric")
            if (self.batch_size * self.grad_accum) % self.num_generations:
                problems.append(f"batch_size x grad_accum ({self.batch_size * self.grad_accum}) must be a multiple of "
                                f"num_generations ({self.num_generations}): each prompt's completions share a batch")
        if self.strategy != "ddp" and self.processes < 2:
            problems.append(f"strategy {self.strategy} shards across processes: set processes to 2 or more")
        if self.strategy != "ddp" and self.device != "gpu":
            problems.append(f"strategy {self.strategy} needs GPUs (device gpu); on CPU several processes use DDP")
        if self.strategy == "zero3" and self.method in ONLINE:
            problems.append("ZeRO-3 with GRPO/RLOO is refused: generation under ZeRO-3 gathers every parameter at "
                            "each step (use zero2 or fsdp)")
        if self.processes > 1 and self.lora and self.strategy in ("zero3", "fsdp"):
            problems.append(f"LoRA with {self.strategy} is refused: the adapter merge at the end needs the whole "
                            "model on one process (use ddp or zero2)")
        if self.vllm and (self.method not in ONLINE or self.device != "gpu"):
            problems.append("vllm generates GRPO/RLOO rollouts on a GPU: method grpo or rloo, device gpu")
        if self.instructable and self.method != "reward":
            problems.append("instructable applies to reward models only")
        if self.label_smoothing and self.loss_type != "robust":
            problems.append("label_smoothing applies to the robust DPO loss only")
        return problems

    def steps_for(self, rows: int) -> int:
        """Optimizer steps the run will take on `rows` records."""
        if self.max_steps:
            return self.max_steps
        return max(1, math.ceil(rows * self.epochs / (self.batch_size * self.grad_accum)))

    def size_warning(self, rows: int) -> str:
        """A warning when the run is too small to move the model: few steps at a small learning rate
        (steps x rate under 5e-5, a rule of thumb from Charter's own runs: a 4-step DPO at the paper's
        5e-7 left 5 of 6 answers word for word the same)."""
        config = self.resolved()
        steps = config.steps_for(rows)
        if steps * config.learning_rate >= 5e-5:
            return ""
        return (f"{steps} steps at learning rate {config.learning_rate:g} on {rows} records will barely move the "
                f"model (steps x rate = {steps * config.learning_rate:.1g}; a 4-step DPO at 5e-7 left 5 of 6 answers "
                f"unchanged): train longer, on more data, or at a higher rate")

    def reads_principles(self) -> str:
        """Why the run needs a constitution (the runner must then provide one), or ""."""
        if self.method in ONLINE and self.reward_judge:
            return "a reward_judge needs the constitution whose rubric it scores by"
        if self.instructable:
            return "an instructable reward model needs the constitution its records name"
        if self.method in ONLINE and self.principles:
            return "principles for an instructable reward model need the constitution that defines them"
        return ""

    def check_files(self) -> None:
        if self.reads_principles() and not self.constitution:
            raise UserError(self.reads_principles())
        if not self.dataset:
            raise UserError("dataset: a file of records is required")
        if not self.output:
            raise UserError("output: a run folder is required")
