"""One training run on TRL: build the method's trainer, stream its metrics, checkpoint, resume.

Layout of a run folder: `checkpoints/checkpoint-N/` (safetensors weights plus the optimizer,
scheduler and RNG state the Trainer resumes from; those are read back with
`torch.load(weights_only=True)`, which unpickles tensors only) and `final/`, a plain model
folder (a LoRA adapter is merged first) that Charter can use as a policy, judge or reward model.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from alignment.errors import UserError
from alignment.model_folders import resolve_model
from alignment.record_files import read_records
from alignment.training import principles
from alignment.training.config import ONLINE, TrainConfig
from alignment.training.data import carries_soft_labels, preference_rows, prepare
from alignment.training.memory import describe, preflight

Emit = Callable[..., None]  # emit(event_name, **payload), as alignment.events.emit


def device_for(config: TrainConfig) -> str:
    import torch

    has_gpu = torch.cuda.is_available()
    if config.device == "gpu" and not has_gpu:
        raise UserError("a GPU was asked for but this worker has none (run it on the gpu queue, or pick cpu)")
    return "cuda" if config.device == "gpu" or (config.device == "auto" and has_gpu) else "cpu"


def _reporter(emit: Emit, started: float):
    from transformers import TrainerCallback

    class Reporter(TrainerCallback):
        """Per-step metrics, progress and checkpoints as events; memory rides with the metrics."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            values = {k: float(v) for k, v in (logs or {}).items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)}
            values["memory_mb"] = _memory_mb()
            emit("metric", step=state.global_step, values=values)

        def on_step_end(self, args, state, control, **kwargs):
            rate = state.global_step / max(time.perf_counter() - started, 1e-9)
            emit("progress", done=state.global_step, total=state.max_steps,
                 message=f"step {state.global_step}/{state.max_steps} ({rate:.2f} steps/s this attempt)")

        def on_save(self, args, state, control, **kwargs):
            emit("checkpoint", step=state.global_step, path=str(Path(args.output_dir) / f"checkpoint-{state.global_step}"))

    return Reporter()


def _resume_on_cpu_ranks(trainer) -> None:
    """transformers 5.17 loads a checkpoint's optimizer state onto `args.device` when there are
    several processes; on CPU that is "cpu:N", which torch cannot restore to, so a resumed
    multi-process CPU run would fail. Its ranks load to "cpu" instead (the state is small on CPU
    and every rank holds a whole copy anyway under DDP)."""
    if trainer.args.world_size < 2 or trainer.args.device.type != "cpu":
        return
    import torch

    load_state = trainer._load_optimizer_and_scheduler

    def load_on_cpu(checkpoint):
        real = torch.load

        def to_cpu(*args, **kwargs):
            if str(kwargs.get("map_location", "")).startswith("cpu"):
                kwargs["map_location"] = "cpu"
            return real(*args, **kwargs)

        torch.load = to_cpu
        try:
            return load_state(checkpoint)
        finally:
            torch.load = real

    trainer._load_optimizer_and_scheduler = load_on_cpu


def _die_with_launcher() -> None:
    """A rank of a multi-process run ends when its launcher does (a cancelled or killed job must
    not leave ranks behind)."""
    if os.environ.get("LOCAL_RANK") is not None and sys.platform == "linux":
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _memory_mb() -> float:
    import psutil
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return psutil.Process().memory_info().rss / 2**20


def _common_args(config: TrainConfig, out: Path, device: str) -> dict:
    cpu = device == "cpu"
    return {
        "output_dir": str(out / "checkpoints"), "max_steps": config.max_steps or -1, "num_train_epochs": config.epochs,
        "learning_rate": config.learning_rate, "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum, "warmup_steps": config.warmup_ratio,
        "logging_steps": 1, "save_strategy": "steps", "save_steps": config.save_steps,
        "save_total_limit": config.keep_checkpoints, "seed": config.seed, "data_seed": config.seed,
        "report_to": tracking(config, out), "disable_tqdm": True, "use_cpu": cpu, "bf16": not cpu,
        "gradient_checkpointing": False, "dataloader_num_workers": 0,
    }


TRACKERS = {"none": (), "tensorboard": ("tensorboard",), "mlflow": ("mlflow",), "both": ("tensorboard", "mlflow")}


def tracking(config: TrainConfig, out: Path) -> list[str]:
    """The Trainer's integrations the run writes to, pointed into its run folder (offline)."""
    wanted = TRACKERS[config.tracking]
    if "tensorboard" in wanted:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(out / "tensorboard")
    if "mlflow" in wanted:
        os.environ["MLFLOW_TRACKING_URI"] = (out / "mlruns").resolve().as_uri()
        os.environ["MLFLOW_EXPERIMENT_NAME"] = "charter"
        os.environ["HF_MLFLOW_LOG_ARTIFACTS"] = "FALSE"  # metrics and params; the model stays in final/
        # A folder anyone can copy or open with `mlflow ui` (MLflow keeps its file store working but
        # frozen; its database store needs SQLAlchemy, which a worker does not otherwise carry).
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    return list(wanted)


def tracked(config: TrainConfig, out: Path) -> dict:
    """Where the run's TensorBoard and MLflow records are, and the command that opens each."""
    opens = {"tensorboard": (out / "tensorboard", f"tensorboard --logdir {out / 'tensorboard'}"),
             "mlflow": (out / "mlruns", f"mlflow ui --backend-store-uri {(out / 'mlruns').resolve().as_uri()}")}
    return {name: {"path": str(opens[name][0]), "open": opens[name][1]} for name in TRACKERS[config.tracking]}


def _load(folder: Path, device: str, reward_head: bool):
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        if reward_head:
            model = AutoModelForSequenceClassification.from_pretrained(
                folder, num_labels=1, dtype=dtype, use_safetensors=True, trust_remote_code=False)
            model.config.pad_token_id = tokenizer.pad_token_id
        else:
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, use_safetensors=True,
                                                         trust_remote_code=False)
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load model from {folder}: {exc}") from exc
    return model, tokenizer


def _lora(config: TrainConfig):
    if not config.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=0.05, target_modules="all-linear",
                      task_type="SEQ_CLS" if config.method == "reward" else "CAUSAL_LM")


def build_trainer(config: TrainConfig, out: Path, emit: Emit):
    """The TRL trainer for the config, with its data checked before any weights load."""
    import datasets
    import trl

    from alignment.generation import configure_torch_threads

    configure_torch_threads()
    device = device_for(config)
    catalog = principles.catalog(config.constitution) if config.constitution else {}
    rows = training_rows(config, read_records(config.dataset), catalog)
    train_dataset = datasets.Dataset.from_list(rows)
    policy = resolve_model(config.model)
    scorer = resolve_model(config.reward_judge or config.reward_model) if config.method in ONLINE else None
    emit("log", message=f"memory preflight: this run needs {describe(preflight(config, policy, scorer, device == 'cuda'))}")
    model, tokenizer = _load(policy, device, reward_head=config.method == "reward")
    common = {**_common_args(config, out, device)}
    kwargs = {"model": model, "processing_class": tokenizer, "train_dataset": train_dataset,
              "peft_config": _lora(config), "callbacks": [_reporter(emit, time.perf_counter())]}
    if config.method == "sft":
        return trl.SFTTrainer(args=trl.SFTConfig(max_length=config.max_length, **common), **kwargs)
    if config.method == "dpo":
        return trl.DPOTrainer(args=trl.DPOConfig(max_length=config.max_length, beta=config.beta,
                                                 loss_type=[config.loss_type], label_smoothing=config.label_smoothing,
                                                 **common), **kwargs)
    if config.method == "kto":
        return trl.KTOTrainer(args=trl.KTOConfig(max_length=config.max_length, beta=config.beta, **common), **kwargs)
    if config.method == "reward":
        from alignment.training.losses import SoftRewardTrainer

        reward_cls = SoftRewardTrainer if "target" in train_dataset.column_names else trl.RewardTrainer
        return reward_cls(args=trl.RewardConfig(max_length=config.max_length, **common), **kwargs)
    from alignment.training.rewards import JudgeScorer, RewardModelScorer

    assert scorer is not None  # an online method was checked to name a reward model or judge
    reward: JudgeScorer | RewardModelScorer
    if config.reward_judge:
        reward = JudgeScorer(scorer, config.constitution, device)
    else:
        steer = principles.per_prompt(config.principles, catalog, config.principles_per_prompt, config.seed) \
            if config.principles else None
        reward = RewardModelScorer(scorer, device, system=steer)
    online = {"beta": config.beta, "num_generations": config.num_generations, "temperature": config.temperature,
              "max_completion_length": config.max_completion_length, **common}
    if config.vllm:  # TRL's colocated vLLM engine shares the training GPUs with the policy
        if importlib.util.find_spec("vllm") is None:
            raise UserError("vllm=true needs vLLM on this worker (pip install -r requirements-gpu.txt)")
        online |= {"use_vllm": True, "vllm_mode": "colocate",
                   "vllm_gpu_memory_utilization": float(os.environ.get("CHARTER_VLLM_GPU_MEMORY", "0.3"))}
    cls, cfg_cls = (trl.GRPOTrainer, trl.GRPOConfig) if config.method == "grpo" else (trl.RLOOTrainer, trl.RLOOConfig)
    return cls(args=cfg_cls(**online), reward_funcs=[reward], **kwargs)  # type: ignore[arg-type, list-item]


def training_rows(config: TrainConfig, records: list[dict], catalog: dict) -> list[dict]:
    """The rows the method trains on, with its labels (alignment/training/data.py) and, for an
    instructable reward model, SALMON's principles (alignment/training/principles.py)."""
    soft = config.labels == "soft" and carries_soft_labels(records)
    if config.method == "reward" and config.instructable:
        return principles.instructable_rows(records, catalog, config.principles_per_example, config.negate_fraction,
                                            config.seed, soft)
    if config.method in ("reward", "dpo"):
        return preference_rows(records, config.method, soft, config.seed)
    return prepare(records, config.method)


def _quiet(trainer) -> None:
    """Metrics travel as events; the Trainer's own printing would only repeat them in the log."""
    from transformers import PrinterCallback
    from transformers.utils import logging

    trainer.remove_callback(PrinterCallback)
    logging.disable_progress_bar()


def last_complete_checkpoint(folder: Path) -> str | None:
    """The newest checkpoint that was written to the end: the Trainer writes trainer_state.json
    last, so a checkpoint without it was cut off (a kill or a stopped Ray job mid-save) and
    resuming from it would fail; the retry writes that step again."""
    steps = sorted((int(p.name.split("-")[1]), p) for p in folder.glob("checkpoint-*")
                   if p.name.split("-")[1].isdigit() and (p / "trainer_state.json").is_file())
    return str(steps[-1][1]) if steps else None


def train(config: TrainConfig, emit: Emit) -> dict:
    """Run (or resume) the training the config describes; returns a summary of the run."""
    config = config.resolved()
    config.check_files()
    _die_with_launcher()
    out = Path(config.output)
    (out / "checkpoints").mkdir(parents=True, exist_ok=True)
    trainer = build_trainer(config, out, emit)
    _quiet(trainer)
    _resume_on_cpu_ranks(trainer)
    last = last_complete_checkpoint(out / "checkpoints")
    if last:
        emit("resumed", checkpoint=last)
    import torch

    try:
        result = trainer.train(resume_from_checkpoint=last)
    except torch.OutOfMemoryError as exc:
        raise UserError(f"out of GPU memory at step {trainer.state.global_step}: lower batch_size or max_length, "
                        f"train a LoRA adapter, or use a larger GPU ({exc})") from exc
    if config.max_steps and trainer.state.global_step < config.max_steps:
        raise UserError(f"the run stopped at step {trainer.state.global_step} of the {config.max_steps} asked "
                        "(the data ran out or the trainer stopped early); no model was registered")
    final = out / "final"
    if trainer.is_world_process_zero():  # one process writes the model; the others wait for it
        model = trainer.accelerator.unwrap_model(trainer.model)
        if config.lora:
            model = model.merge_and_unload()
        model.save_pretrained(final)
        trainer.processing_class.save_pretrained(final)
    trainer.accelerator.wait_for_everyone()
    return {"global_step": trainer.state.global_step, "train_loss": result.training_loss, "final": str(final),
            "resumed_from": last, "method": config.method, "tracking": tracked(config, out)}
