"""Memory preflight: refuse a run that cannot fit before any weights load.

The figure is a lower bound, not a forecast: the bytes the run must hold at once whatever
the activations turn out to be. Trainable weights with their gradients and AdamW's two
moments; the frozen reference policy (DPO, GRPO and RLOO with a KL term, unless LoRA, whose
reference is the base with the adapter switched off); the reward model or judge of online
RL; and one float32 logits tensor over the vocabulary for a batch, which language models of
small size with large vocabularies (SmolLM2: 49,152 tokens) feel most. Parameter counts are
read from the safetensors headers, so the check imports no torch and the web process can
show it in the launch preview.
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path

from alignment.errors import UserError
from alignment.training.config import ONLINE, TrainConfig

GiB = 2**30


def parameter_count(folder: Path) -> int:
    total = 0
    for file in sorted(folder.glob("*.safetensors")):
        try:
            with file.open("rb") as f:
                (size,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(size))
        except (OSError, ValueError, struct.error) as exc:
            raise UserError(f"cannot read {file.name}'s safetensors header: {exc}") from exc
        total += sum(math.prod(t["shape"]) for name, t in header.items() if name != "__metadata__")
    return total


def vocab_size(folder: Path) -> int:
    try:
        return int(json.loads((folder / "config.json").read_text()).get("vocab_size") or 0)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {folder.name}'s config: {exc}") from exc


def estimate(config: TrainConfig, policy: Path, scorer: Path | None, gpu: bool) -> dict[str, int]:
    """Bytes by part, for a resolved config; `scorer` is the reward model or judge of online RL."""
    width = 2 if gpu else 4  # bf16 on GPU, float32 on CPU
    params = parameter_count(policy)
    trainable = params // 100 if config.lora else params  # a LoRA adapter: about 1% at r=16
    parts = {"weights": params * width, "gradients and AdamW states": trainable * width * 3}
    if config.method in ("dpo", *ONLINE) and config.beta and not config.lora:
        parts["reference policy"] = params * width
    if scorer is not None:
        parts["reward model or judge"] = parameter_count(scorer) * width
    rows = config.batch_size * (2 if config.method in ("dpo", "reward") else 1)
    length = config.max_length + (config.max_completion_length if config.method in ONLINE else 0)
    if config.method != "reward":
        parts["logits of one batch (float32)"] = rows * length * vocab_size(policy) * 4
    return per_rank(parts, config.processes, config.strategy)


SHARDED = {"zero2": ("gradients and AdamW states",),
           "zero3": ("weights", "gradients and AdamW states", "reference policy"),
           "fsdp": ("weights", "gradients and AdamW states", "reference policy")}


def per_rank(parts: dict[str, int], processes: int, strategy: str) -> dict[str, int]:
    """What one process holds: DDP keeps everything on every rank; ZeRO-2 shards the gradients
    and optimizer states, ZeRO-3 and FSDP the parameters too (the reference policy with them)."""
    if processes < 2:
        return parts
    sharded = SHARDED.get(strategy, ())
    return {(f"{name} (1/{processes})" if name in sharded else name): (value // processes if name in sharded else value)
            for name, value in parts.items()}


def available_bytes(gpu: bool) -> int:
    """Free memory for this process: its own GPU (LOCAL_RANK's), or the machine's RAM."""
    if gpu:
        import torch

        return torch.cuda.mem_get_info(int(os.environ.get("LOCAL_RANK", "0")))[0]
    import psutil

    return psutil.virtual_memory().available


def describe(parts: dict[str, int]) -> str:
    return f"at least {sum(parts.values()) / GiB:.2f} GiB (" + ", ".join(
        f"{name} {value / GiB:.2f}" for name, value in parts.items()) + ")"


def preflight(config: TrainConfig, policy: Path, scorer: Path | None, gpu: bool) -> dict[str, int]:
    """The estimate, or a UserError when even the lower bound exceeds the free memory."""
    parts = estimate(config, policy, scorer, gpu)
    free = available_bytes(gpu)
    sharing = 1 if gpu else config.processes  # CPU processes share one machine's memory
    if sum(parts.values()) * sharing > free:
        who = "each GPU" if gpu else "the machine"
        per = f" per process, x{sharing} processes" if sharing > 1 else (" per process" if config.processes > 1 else "")
        raise UserError(f"not enough memory: this run needs {describe(parts)}{per} and {who} has {free / GiB:.2f} "
                        f"GiB free; lower batch_size or max_length, train a LoRA adapter, shard it (zero2, zero3, "
                        f"fsdp) or run it on larger GPUs")
    return parts
