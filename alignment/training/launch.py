"""Multi-process training on existing engines: the `accelerate launch` command (and the config
file it reads, written into the run folder) for DDP, DeepSpeed ZeRO-2 / ZeRO-3 or FSDP. Each
process runs `python -m alignment train`; only rank 0 reports (alignment/events.py)."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import yaml

from alignment.errors import UserError
from alignment.training.config import TrainConfig


def accelerate_config(config: TrainConfig) -> dict:
    """The accelerate config for a run of `config.processes` processes on one machine."""
    gpu = config.device == "gpu"
    common = {"compute_environment": "LOCAL_MACHINE", "num_machines": 1, "machine_rank": 0,
              "num_processes": config.processes, "mixed_precision": "bf16" if gpu else "no",
              "dynamo_config": {"dynamo_backend": "NO"}, "use_cpu": False, "rdzv_backend": "static",
              "same_network": True, "main_training_function": "main"}
    if config.strategy in ("zero2", "zero3"):
        return common | {"distributed_type": "DEEPSPEED", "deepspeed_config": {
            "zero_stage": 2 if config.strategy == "zero2" else 3, "gradient_accumulation_steps": config.grad_accum,
            "offload_optimizer_device": "none", "offload_param_device": "none",
            "zero3_init_flag": config.strategy == "zero3", "zero3_save_16bit_model": config.strategy == "zero3"}}
    if config.strategy == "fsdp":
        return common | {"distributed_type": "FSDP", "fsdp_config": {
            "fsdp_version": 2, "fsdp_reshard_after_forward": True, "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_state_dict_type": "FULL_STATE_DICT", "fsdp_cpu_ram_efficient_loading": True,
            "fsdp_offload_params": False}}
    # DDP; on a CPU machine accelerate's multi-GPU launcher runs torchrun and the Trainer joins
    # the process group with gloo.
    return common | {"distributed_type": "MULTI_GPU", "gpu_ids": "all"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launcher(config: TrainConfig, folder: Path) -> list[str]:
    """The argv that starts the run's processes, `-m alignment train ...` to follow; the accelerate
    config goes into the run folder beside the run's other inputs."""
    if config.strategy in ("zero2", "zero3") and importlib.util.find_spec("deepspeed") is None:
        raise UserError(f"strategy {config.strategy} needs DeepSpeed on this worker (pip install deepspeed)")
    path = folder / "accelerate.yaml"
    path.write_text(yaml.safe_dump(accelerate_config(config), sort_keys=False), encoding="utf-8")
    return [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(path),
            "--main_process_port", str(free_port())]
