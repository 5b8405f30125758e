"""Evaluation arithmetic on hand-computed cases, and a real head-to-head run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.evaluation import mean_with_ci, outcome, rm_accuracy, win_rate

ROOT = Path(__file__).resolve().parents[2]


def test_a_prompt_is_won_only_when_both_orders_prefer_the_model():
    assert outcome(0.8, 0.6) == "win"
    assert outcome(0.2, 0.4) == "loss"
    assert outcome(0.8, 0.3) == "tie"  # the orders disagree: position, not quality, decided


def test_win_rate_counts_a_tie_as_half_a_win():
    result = win_rate(["win", "win", "tie", "loss"])
    assert result["win_rate"]["value"] == pytest.approx(0.625)
    assert (result["wins"], result["ties"], result["losses"]) == (2, 1, 1)
    assert 0 <= result["win_rate"]["low"] <= 0.625 <= result["win_rate"]["high"] <= 1


def test_a_win_rate_counts_the_answers_identical_to_the_baselines():
    from alignment.evaluation.config import EvalConfig
    from alignment.evaluation.run import summarize

    items = [{"outcome": "tie", "model_response": "Same.", "baseline_response": "Same. "},
             {"outcome": "win", "model_response": "Better.", "baseline_response": "Worse."}]
    assert summarize(EvalConfig(kind="win_rate"), items)["identical_answers"] == 1


def test_the_interval_is_empty_for_one_item_and_tight_for_constant_data():
    assert mean_with_ci([1.0]).as_dict() == {"value": 1.0, "low": None, "high": None, "n": 1}
    assert mean_with_ci([1.0] * 20).as_dict() == {"value": 1.0, "low": 1.0, "high": 1.0, "n": 20}
    assert mean_with_ci([]).value is None


def test_reward_model_accuracy_compares_chosen_with_rejected_scores():
    def length_scorer(prompts, responses):  # a plain scoring rule, to check the bookkeeping
        return [float(len(r[0]["content"])) for r in responses]

    rows = [{"prompt": [], "chosen": [{"role": "assistant", "content": "long answer"}],
             "rejected": [{"role": "assistant", "content": "no"}]},
            {"prompt": [], "chosen": [{"role": "assistant", "content": "ok"}],
             "rejected": [{"role": "assistant", "content": "rambling"}]}]
    assert [r["correct"] for r in rm_accuracy(length_scorer, rows, batch=1)] == [True, False]


def test_a_model_against_itself_ties_on_every_prompt(tmp_path):
    """Greedy answers are identical, so the two presentation orders must disagree (unless the
    judge is exactly indifferent): every prompt is a tie and the win rate is exactly 0.5."""
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"key": "egg", "prompt": "How do I boil an egg?"}\n'
                       '{"key": "sky", "prompt": "Why is the sky blue?"}\n')
    done = subprocess.run([sys.executable, "-m", "alignment", "evaluate", f"--set=prompts={prompts}",
                           f"--set=constitution={ROOT / 'principles' / 'hhh-comparison.yaml'}",
                           "--set=principles=harmlessness", "--set=max_new_tokens=8", "--events"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    events = [json.loads(line) for line in done.stdout.splitlines()]
    items = [i for e in events if e["event"] == "records" for i in e["items"]]
    assert [i["model_response"] == i["baseline_response"] for i in items] == [True, True]
    assert [i["outcome"] for i in items] == ["tie", "tie"]
    assert all(len(i["judgments"]) == 2 for i in items)  # one principle, both orders
    summary = next(e for e in events if e["event"] == "summary")
    assert summary["win_rate"]["value"] == 0.5 and summary["ties"] == 2
