"""The Self-Rewarding loop on the real default model: two tiny iterations give M1 -> M2 -> M3,
each with its own dataset and judge accuracy, and a finished loop is never redone."""

import json
from pathlib import Path

import pytest

from alignment.errors import UserError
from alignment.selfreward import SelfRewardConfig, run_loop

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def loop_config(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("loop")
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"key": "fruit", "prompt": "Name a fruit."}\n{"key": "sum", "prompt": "What is 2 + 2?"}\n')
    heldout = tmp_path / "human.jsonl"
    heldout.write_text(json.dumps({"prompt": "What is 2 + 2?", "chosen": "2 + 2 = 4.", "rejected": "Fish."}) + "\n")
    return SelfRewardConfig(seeds=str(seeds), rubric=str(ROOT / "principles" / "self-rewarding-rubric.yaml"),
                            output=str(tmp_path / "loop"), iterations=2, n=2, max_new_tokens=8,
                            judgments_per_response=1, judge_max_new_tokens=8, score_mode="forced", heldout=str(heldout),
                            dpo_max_steps=1, dpo_batch_size=2, max_length=96)


@pytest.fixture(scope="module")
def finished(loop_config):
    seen = []
    summaries = run_loop(loop_config, lambda event, **payload: seen.append({"event": event, **payload}))
    return summaries, seen


def test_two_iterations_train_m2_then_m3_each_judged_by_its_predecessor(finished):
    summaries, seen = finished
    first, second = summaries
    assert (first["iteration"], second["iteration"]) == (1, 2)
    assert first["judge"] == "smollm2-135m-instruct" and second["judge"] == first["model"]  # M2 judges itself
    for s in summaries:
        assert Path(s["model"], "model.safetensors").is_file()
        pairs = [json.loads(line) for line in Path(s["dataset"]).read_text().splitlines()]
        assert len(pairs) == s["pairs"] >= 1
        assert all(p["chosen_score"] > p["rejected_score"] for p in pairs)
        assert s["judge_accuracy"]["pairs"] == 1 and s["judge_accuracy"]["n"] in (0, 1)
        assert s["dpo_steps"] == 1
    steps = [e["step"] for e in seen if e["event"] == "metric" and "loss" in e["values"]]
    assert steps == [1, 2]  # the second iteration's DPO steps continue the numbering


def test_a_finished_loop_is_not_redone(loop_config, finished):
    seen = []
    again = run_loop(loop_config, lambda event, **payload: seen.append(event))
    assert [s["iteration"] for s in again] == [1, 2]
    work = [event for event in seen if event not in ("metric", "log")]  # the loop's own bookkeeping
    assert work == ["iteration", "iteration"]  # nothing sampled, judged or trained


def test_a_loop_whose_judge_never_scores_stops_with_a_clear_reason(loop_config, tmp_path):
    import dataclasses

    config = dataclasses.replace(loop_config, score_mode="parse", iterations=1, output=str(tmp_path / "parse"))
    with pytest.raises(UserError, match="no pairs .* score_mode=forced"):
        run_loop(config, lambda *a, **k: None)
