"""Every trainer runs real TRL steps on the real default model (CPU), reports its metrics, and
a crashed run resumes from its checkpoint at the same step with the same losses."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.errors import UserError
from alignment.record_files import read_records
from alignment.training.config import TrainConfig
from alignment.training.data import prepare
from alignment.training.run import last_complete_checkpoint, train

ROOT = Path(__file__).resolve().parents[3]
HHH = str(ROOT / "principles" / "hhh-comparison.yaml")
RUBRIC = str(ROOT / "principles" / "self-rewarding-rubric.yaml")
TINY = {"max_steps": 2, "batch_size": 2, "max_length": 96, "save_steps": 100}


def write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def preference_rows(n: int = 8) -> list[dict]:
    return [{"prompt": [{"role": "user", "content": f"Name a colour, please ({i})."}],
             "chosen": [{"role": "assistant", "content": "Blue, like a clear sky."}],
             "rejected": [{"role": "assistant", "content": "No."}],
             "principles": ["helpfulness"], "soft_label": 0.9, "margin": 0.8, "negated": []} for i in range(n)]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("training")
    pref = write_jsonl(folder / "pref.jsonl", preference_rows())
    sft = write_jsonl(folder / "sft.jsonl", [{"prompt": r["prompt"], "completion": r["chosen"]} for r in preference_rows()])
    return {"folder": folder, "pref": pref, "sft": sft}


@pytest.fixture(scope="module")
def reward_run(data):
    return run_collecting(TrainConfig(method="reward", dataset=data["pref"], output=str(data["folder"] / "rm"),
                                      instructable=True, constitution=HHH, **TINY))


@pytest.fixture(scope="module")
def reward_model(reward_run):
    return reward_run[0]["final"]


def run_collecting(config: TrainConfig) -> tuple[dict, list[dict]]:
    seen = []
    summary = train(config, lambda event, **payload: seen.append({"event": event, **payload}))
    return summary, seen


def metric_names(seen: list[dict]) -> set[str]:
    return {name for e in seen if e["event"] == "metric" for name in e["values"]}


@pytest.mark.parametrize("method, dataset, expected", [
    ("sft", "sft", {"loss", "learning_rate", "memory_mb"}),
    ("dpo", "pref", {"loss", "rewards/margins", "rewards/accuracies", "learning_rate"}),
])
def test_offline_trainers_take_real_steps_and_stream_their_metrics(data, tmp_path, method, dataset, expected):
    summary, seen = run_collecting(TrainConfig(method=method, dataset=data[dataset], output=str(tmp_path), **TINY))
    assert summary["global_step"] == 2
    assert [e["done"] for e in seen if e["event"] == "progress"] == [1, 2]
    assert expected <= metric_names(seen)
    assert (Path(summary["final"]) / "model.safetensors").is_file()
    assert not list(Path(summary["final"]).glob("*.bin")) and not list(Path(summary["final"]).glob("*.pt"))


def test_the_instructable_reward_model_trains_with_accuracy_and_margin(reward_run):
    summary, seen = reward_run
    assert summary["global_step"] == 2 and {"loss", "accuracy", "margin"} <= metric_names(seen)
    config = json.loads((Path(summary["final"]) / "config.json").read_text())
    assert config["architectures"][0].endswith("ForSequenceClassification")


@pytest.mark.parametrize("method, expected", [
    ("grpo", {"reward", "reward_std", "kl", "completions/mean_length"}),
    ("rloo", {"reward", "reward_std", "kl", "completions/mean_length"}),
])
def test_online_rl_scores_completions_with_the_reward_model_and_tracks_kl(data, reward_model, tmp_path, method, expected):
    summary, seen = run_collecting(TrainConfig(
        method=method, dataset=data["pref"], output=str(tmp_path), reward_model=reward_model, num_generations=2,
        max_completion_length=8, constitution=HHH, principles="helpfulness,~conciseness", **TINY))
    assert summary["global_step"] == 2
    assert expected <= metric_names(seen)


def test_online_rl_can_be_rewarded_by_a_rubric_judge_instead_of_a_reward_model(data, tmp_path):
    summary, seen = run_collecting(TrainConfig(
        method="grpo", dataset=data["pref"], output=str(tmp_path), reward_judge="smollm2-135m-instruct",
        constitution=RUBRIC, num_generations=2, max_completion_length=8, **TINY))
    assert summary["global_step"] == 2
    rewards = [e["values"]["rewards/judge/mean"] for e in seen if e["event"] == "metric"
               and "rewards/judge/mean" in e["values"]]
    assert rewards and all(0 <= r <= 5 for r in rewards)  # the judge's expected score on the 0-5 rubric


def test_the_judge_reward_is_its_expected_rubric_score_and_is_deterministic():
    from alignment.model_folders import resolve_model
    from alignment.training.rewards import JudgeScorer

    judge = JudgeScorer(resolve_model("smollm2-135m-instruct"), RUBRIC, "cpu")
    prompts = [[{"role": "user", "content": "What is the capital of France?"}]] * 2
    completions = [[{"role": "assistant", "content": "Paris is the capital of France."}],
                   [{"role": "assistant", "content": "zzz qqq"}]]
    first = judge(prompts, completions)
    assert first == judge(prompts, completions) and all(0 <= s <= 5 for s in first) and first[0] != first[1]


def test_a_lora_run_is_merged_into_a_plain_model_folder(data, tmp_path):
    summary, _ = run_collecting(TrainConfig(method="sft", dataset=data["sft"], output=str(tmp_path), lora=True,
                                            lora_r=4, lora_alpha=8, **{**TINY, "max_steps": 1}))
    final = Path(summary["final"])
    assert (final / "model.safetensors").is_file() and not (final / "adapter_config.json").exists()


def cli(config: dict) -> subprocess.Popen:
    args = [f"--set={k}={v}" for k, v in config.items()]
    return subprocess.Popen([sys.executable, "-m", "alignment", "train", "--events", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def losses(lines: list[dict]) -> dict[int, float]:
    return {e["step"]: e["values"]["loss"] for e in lines if e["event"] == "metric" and "loss" in e["values"]}


def test_a_killed_run_resumes_from_its_last_checkpoint_with_the_same_step_schedule_and_losses(data, tmp_path):
    config = {"method": "sft", "dataset": data["sft"], "max_steps": 4, "batch_size": 2, "max_length": 96,
              "save_steps": 2, "learning_rate": 1e-4}
    whole = cli({**config, "output": tmp_path / "whole"})
    reference = [json.loads(line) for line in whole.stdout]
    assert whole.wait() == 0

    crashed = cli({**config, "output": tmp_path / "crashed"})
    before = []
    for line in crashed.stdout:
        before.append(json.loads(line))
        if before[-1]["event"] == "checkpoint" and before[-1]["step"] == 2:
            crashed.send_signal(signal.SIGKILL)  # a worker dying mid-run, right after its checkpoint
            break
    crashed.wait()
    resumed = cli({**config, "output": tmp_path / "crashed"})
    after = [json.loads(line) for line in resumed.stdout]
    assert resumed.wait() == 0
    assert any(e["event"] == "resumed" and e["checkpoint"].endswith("checkpoint-2") for e in after)
    assert min(losses(after)) == 3  # no step repeated, none skipped
    assert [e["done"] for e in after if e["event"] == "progress"] == [3, 4]
    want = losses(reference)
    got = {**losses(before), **losses(after)}
    assert sorted(got) == [1, 2, 3, 4]
    for step in (3, 4):  # same data position, schedule and weights as the uninterrupted run
        assert got[step] == pytest.approx(want[step], rel=1e-3)
    lrs = {e["step"]: e["values"]["learning_rate"] for e in reference + after if e["event"] == "metric"
           and "learning_rate" in e["values"]}
    assert lrs[4] < lrs[3]


def test_a_checkpoint_cut_off_mid_save_is_not_resumed_from(tmp_path):
    for step, complete in ((4, True), (8, True), (12, False)):  # 12: killed before its trainer state was written
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "model.safetensors").write_bytes(b"")
        if complete:
            (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-8")
    assert last_complete_checkpoint(tmp_path / "none") is None


def test_records_that_do_not_fit_the_method_are_refused_by_number(data, tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [preference_rows(1)[0], {"prompt": "only a prompt"}])
    with pytest.raises(UserError, match="record 2 has no chosen, rejected"):
        prepare(read_records(bad), "dpo")
    with pytest.raises(UserError, match="record 1 prompt: expected text or a list"):
        prepare([{"prompt": 7, "completion": "x"}], "sft")


def test_impossible_settings_are_refused_before_anything_loads(tmp_path):
    with pytest.raises(UserError, match="learning_rate must be between"):
        TrainConfig(learning_rate=5.0).resolved()
    with pytest.raises(UserError, match="must be a multiple of num_generations"):
        TrainConfig(method="grpo", reward_model="rm", batch_size=3, num_generations=2).resolved()
    with pytest.raises(UserError, match="grpo needs a reward_model or a reward_judge"):
        TrainConfig(method="grpo").resolved()
    with pytest.raises(UserError, match="one of the two"):
        TrainConfig(method="rloo", reward_model="rm", reward_judge="judge", constitution=RUBRIC).resolved()
    with pytest.raises(UserError, match="reward_judge needs the constitution"):
        TrainConfig(method="grpo", reward_judge="judge").resolved().check_files()
    with pytest.raises(UserError, match="does not exist"):
        read_records(str(tmp_path / "missing.jsonl"))


def test_method_defaults_fill_only_what_was_left_out():
    assert TrainConfig(method="dpo").resolved().beta == 0.1
    assert TrainConfig(method="dpo", beta=0.3).resolved().beta == 0.3
    assert TrainConfig(method="sft").resolved().learning_rate == 2e-5


def test_a_run_that_cannot_fit_in_memory_is_refused_before_its_weights_load(data, tmp_path):
    seen = []
    config = TrainConfig(method="dpo", dataset=data["pref"], output=str(tmp_path), batch_size=1024, max_length=32768)
    with pytest.raises(UserError, match=r"not enough memory: this run needs at least [\d.]+ GiB .*logits"):
        train(config, lambda event, **payload: seen.append(event))
    assert "metric" not in seen and not (tmp_path / "final").exists()


def test_the_memory_estimate_counts_what_the_method_holds():
    from alignment.model_folders import resolve_model
    from alignment.training.memory import estimate, parameter_count

    policy = resolve_model("smollm2-135m-instruct")
    params = parameter_count(policy)
    assert 130e6 < params < 140e6  # SmolLM2-135M, read from the safetensors header
    dpo = estimate(TrainConfig(method="dpo").resolved(), policy, None, gpu=False)
    assert dpo["weights"] == params * 4 and dpo["reference policy"] == params * 4
    assert dpo["logits of one batch (float32)"] == 4 * 2 * 512 * 49152 * 4  # chosen and rejected rows
    lora = estimate(TrainConfig(method="dpo", lora=True).resolved(), policy, None, gpu=True)
    assert "reference policy" not in lora and lora["weights"] == params * 2
    assert "logits of one batch (float32)" not in estimate(TrainConfig(method="reward").resolved(), policy, None, False)


def test_a_run_can_also_write_tensorboard_and_mlflow_offline_into_its_folder(data, tmp_path):
    summary, _ = run_collecting(TrainConfig(method="sft", dataset=data["sft"], output=str(tmp_path), tracking="both",
                                            **TINY))
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    losses = list((tmp_path / "mlruns").glob("*/*/metrics/loss"))
    assert len(losses) == 1 and len(losses[0].read_text().splitlines()) == 2  # one line a step
    assert summary["tracking"]["tensorboard"]["open"] == f"tensorboard --logdir {tmp_path / 'tensorboard'}"
    assert summary["tracking"]["mlflow"]["open"].startswith("mlflow ui --backend-store-uri file://")
