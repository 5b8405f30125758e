"""The smallest honest experiments on the packaged SmolLM2-135M-Instruct, on CPU, printed as one
table (README quotes it). Each row says what was measured, on what, and the figure, null and
negative results included. Data: the shipped human set (alignment/human_sets.py: pyrit's
objective and refusal_scorer human scores; its calibration part trains, its test part measures).

  (a) the default judge against people on the test part: RL-CAI pairwise (both orders), and
      Self-Rewarding pointwise, scores parsed and forced;
  (b) RLHF's first half: a reward model trained on the calibration part, its accuracy on the
      test part, against the same model with an untrained head.

Not yet here (see README, Status): (b)'s RL stage, (c) Constitutional AI's DPO/SFT on
harmlessness data, (d) SALMON's P / ~P RL runs, (e) two Self-Rewarding iterations from M0.

Run: OMP_NUM_THREADS=1 .venv/bin/python bench/replicate.py [--rm-steps 16] [--judge-tokens 128]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _harness import table  # noqa: E402

from alignment import human_sets  # noqa: E402
from alignment.evaluation import judge  # noqa: E402
from alignment.evaluation.reward import rm_accuracy  # noqa: E402
from alignment.evaluation.stats import mean_with_ci  # noqa: E402
from alignment.feedback.pipeline import FeedbackConfig, run  # noqa: E402
from alignment.records import preference_record, write_jsonl  # noqa: E402

MODEL = "smollm2-135m-instruct"


def fmt(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def interval(score: dict) -> str:
    if score.get("value") is None:
        return "–"
    return f"{fmt(score['value'])} ({fmt(score.get('low'), 2)}–{fmt(score.get('high'), 2)})"


def judged(rows: list[dict], folder: Path, name: str, **choices) -> tuple[dict, float]:
    given = write_jsonl(folder / f"{name}.jsonl", rows)
    config = FeedbackConfig(pairs=str(given), judge_model=MODEL, seed=0, batch_size=8, **choices)
    start = time.perf_counter()
    records = [r for stage, batch in run(config) if stage == choices["method"] for r in batch]
    seconds = time.perf_counter() - start
    overall, found = judge.from_records(rows, records)
    return judge.metrics(overall, found.first_wins.get("", []), found.parses.get("", [])), seconds


def reward_model(train: list[dict], test: list[dict], folder: Path, steps: int) -> tuple[dict, dict, float]:
    from alignment.model_folders import resolve_model
    from alignment.training.config import TrainConfig
    from alignment.training.data import prepare
    from alignment.training.rewards import RewardModelScorer
    from alignment.training.run import train as run_training

    records = [preference_record(r["prompt"], r["chosen"], r["rejected"]) for r in train]
    data = write_jsonl(folder / "rm-train.jsonl", records)
    held_out = prepare([preference_record(r["prompt"], r["chosen"], r["rejected"]) for r in test], "dpo")

    def accuracy(model: Path) -> dict:
        scorer = RewardModelScorer(model, "cpu")
        return mean_with_ci([float(i["correct"]) for i in rm_accuracy(scorer, held_out)]).as_dict()

    before = accuracy(resolve_model(MODEL))  # the same model, its reward head not trained
    start = time.perf_counter()
    summary = run_training(TrainConfig(method="reward", model=MODEL, dataset=str(data), output=str(folder / "rm"),
                                       max_steps=steps, batch_size=4, learning_rate=1e-4, max_length=256,
                                       save_steps=10_000, warmup_ratio=0.0, labels="hard"), lambda *a, **k: None)
    seconds = time.perf_counter() - start
    return before, accuracy(Path(summary["final"])), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rm-steps", type=int, default=16, help="reward-model training steps (batch 4)")
    parser.add_argument("--judge-tokens", type=int, default=128, help="pointwise judge's room for rationale and score")
    parser.add_argument("--limit", type=int, default=0, help="pairs per part (0: all)")
    args = parser.parse_args()
    calibration, test = (items[: args.limit or None] for items in human_sets.split(human_sets.pairs()))
    rows_of = {name: [{"key": f"{name}{i}", "prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected}
                      for i, p in enumerate(items)] for name, items in (("calibration", calibration), ("test", test))}
    out = []
    hhh, rubric = str(ROOT / "principles" / "hhh-comparison.yaml"), str(ROOT / "principles" / "self-rewarding-rubric.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, choices in (
            ("RL-CAI pairwise, 1 principle, both orders", {"method": "rl_cai", "constitution": hhh}),
            ("Self-Rewarding pointwise, k = 1, parsed", {"method": "self_rewarding", "constitution": rubric,
                                                         "judgments_per_response": 1,
                                                         "judge_max_new_tokens": args.judge_tokens}),
            ("Self-Rewarding pointwise, k = 1, forced", {"method": "self_rewarding", "constitution": rubric,
                                                         "judgments_per_response": 1, "score_mode": "forced",
                                                         "judge_max_new_tokens": args.judge_tokens}),
        ):
            m, seconds = judged(rows_of["test"], folder, label.split(",")[0].replace(" ", "-"), **choices)
            k = m["kappa"]
            parse = "" if m["parse_failure"] is None else f"; parse failures {fmt(m['parse_failure'])}"
            out.append(["(a) judge vs people", label, m["n"],
                        f"accuracy {interval(m['accuracy'])}; coverage {fmt(m['coverage'])}; "
                        f"kappa {fmt(k['value'])} ({fmt(k['low'], 2)}–{fmt(k['high'], 2)}){parse}", f"{seconds:.0f}"])
        before, after, seconds = reward_model(rows_of["calibration"], rows_of["test"], folder, args.rm_steps)
        out.append(["(b) reward model", f"trained {args.rm_steps} steps on the calibration part "
                    f"({len(calibration)} pairs)", len(test),
                    f"held-out accuracy {interval(after)}; untrained head {interval(before)}", f"{seconds:.0f}"])
    print(f"\nReplication on {MODEL}, CPU, one torch thread; shipped human set: calibration {len(calibration)} pairs, "
          f"test {len(test)} pairs (`bench/replicate.py --rm-steps {args.rm_steps} --judge-tokens {args.judge_tokens}`)\n")
    print(table(["experiment", "setting", "test pairs", "result (95% CI)", "seconds"], out))


if __name__ == "__main__":
    main()
