"""Training in several processes on existing engines: `accelerate launch` starts two gloo ranks
on CPU; both train (each on its shard of the data), only rank 0 reports, one model is written;
the accelerate configs for ZeRO and FSDP and the per-rank memory estimate are checked here, and
the GPU run behind the gpu marker."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from alignment.errors import UserError
from alignment.training.config import TrainConfig
from alignment.training.launch import accelerate_config, launcher
from alignment.training.memory import per_rank

ROOT = Path(__file__).resolve().parents[3]


def records(n: int) -> str:
    return "".join(json.dumps({"prompt": [{"role": "user", "content": f"Name a colour ({i})."}],
                               "chosen": [{"role": "assistant", "content": "Blue, like the sky."}],
                               "rejected": [{"role": "assistant", "content": "No."}]}) + "\n" for i in range(n))


def two_ranks(tmp_path: Path, device: str) -> subprocess.CompletedProcess:
    """A 2-step DPO run of two processes, started the way a worker starts one."""
    (tmp_path / "pref.jsonl").write_text(records(16))
    config = TrainConfig(method="dpo", dataset=str(tmp_path / "pref.jsonl"), output=str(tmp_path / "run"), device=device,
                         max_steps=2, batch_size=2, max_length=64, save_steps=100, processes=2)
    (tmp_path / "train.yaml").write_text(yaml.safe_dump(vars(config)))
    argv = launcher(config, tmp_path) + ["-m", "alignment", "train", "--events", "--config", str(tmp_path / "train.yaml")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=500,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.distributed
def test_two_gloo_ranks_train_on_their_shards_and_only_rank_0_reports(tmp_path):
    done = two_ranks(tmp_path, "cpu")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    losses = [e["step"] for e in events if e["event"] == "metric" and "loss" in e["values"]]
    assert losses == [1, 2]  # once per step: the other rank reports nothing
    epoch = [e["values"]["epoch"] for e in events if e["event"] == "metric" and "epoch" in e["values"]][-1]
    assert epoch == 0.5  # 2 steps x batch 2 x 2 ranks = 8 of 16 records: both ranks trained, each on its shard
    assert [e["event"] for e in events].count("trained") == 1
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file()


def test_the_accelerate_configs_name_each_strategy():
    base = {"method": "dpo", "processes": 4, "device": "gpu"}
    assert accelerate_config(TrainConfig(**base))["distributed_type"] == "MULTI_GPU"
    zero3 = accelerate_config(TrainConfig(**base, strategy="zero3"))
    assert zero3["distributed_type"] == "DEEPSPEED" and zero3["deepspeed_config"]["zero_stage"] == 3
    fsdp = accelerate_config(TrainConfig(**base, strategy="fsdp"))
    assert fsdp["distributed_type"] == "FSDP" and fsdp["num_processes"] == 4


@pytest.mark.parametrize("choices, message", [
    ({"strategy": "fsdp", "processes": 1, "device": "gpu"}, "set processes to 2 or more"),
    ({"strategy": "zero2", "processes": 2, "device": "cpu"}, "needs GPUs"),
    ({"strategy": "zero3", "processes": 2, "device": "gpu", "method": "grpo", "reward_model": "rm",
      "num_generations": 2}, "ZeRO-3 with GRPO/RLOO is refused"),
    ({"strategy": "fsdp", "processes": 2, "device": "gpu", "lora": True}, "LoRA with fsdp is refused"),
    ({"vllm": True, "method": "dpo", "device": "gpu"}, "vllm generates GRPO/RLOO rollouts on a GPU"),
])
def test_known_broken_combinations_are_refused_before_a_job_exists(choices, message):
    with pytest.raises(UserError, match=message):
        TrainConfig(**{"method": "dpo", **choices}).resolved()


def test_deepspeed_strategies_need_deepspeed_on_the_worker(tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "deepspeed" else object())
    with pytest.raises(UserError, match="needs DeepSpeed on this worker"):
        launcher(TrainConfig(method="dpo", processes=2, device="gpu", strategy="zero2"), tmp_path)


def test_the_memory_estimate_is_per_rank_for_each_strategy():
    parts = {"weights": 800, "gradients and AdamW states": 2400, "reference policy": 800, "logits of one batch": 100}
    assert per_rank(parts, 4, "ddp") == parts
    zero2 = per_rank(parts, 4, "zero2")
    assert zero2["gradients and AdamW states (1/4)"] == 600 and zero2["weights"] == 800
    assert sum(per_rank(parts, 4, "zero3").values()) == 200 + 600 + 200 + 100


@pytest.mark.gpu
@pytest.mark.distributed
def test_two_gpu_ranks_train_with_ddp(tmp_path):
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs 2 GPUs")
    two_ranks(tmp_path, "gpu")
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file()
