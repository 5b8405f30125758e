"""Judges measured against people: each judge configuration labels both parts of the shipped
human set (alignment/human_sets.py: pyrit's objective and refusal_scorer human scores, never its
harm/ files); prints accuracy, coverage, kappa, position bias and cost per pair, then the
temperatures fitted on the calibration part and their effect on the test part.

Run: .venv/bin/python bench/judges.py [--judges smollm2-135m-instruct,qwen2.5-coder-0.5b-instruct]
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
from alignment.feedback.pipeline import FeedbackConfig, run  # noqa: E402
from alignment.records import write_jsonl  # noqa: E402


def fmt(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def measure(model: str, method: str, rows: list[dict], folder: Path, name: str) -> tuple[list, judge.Judged, float]:
    given = write_jsonl(folder / f"{name}.jsonl", rows)
    config = FeedbackConfig(pairs=str(given), constitution=str(ROOT / "principles" / "hhh-comparison.yaml"),
                            method=method, judge_model=model, seed=0, batch_size=8)
    start = time.perf_counter()
    records = [r for stage, batch in run(config) if stage == method for r in batch]
    seconds = time.perf_counter() - start
    overall, judged = judge.from_records(rows, records)
    return overall, judged, seconds / max(1, len(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judges", default="smollm2-135m-instruct")
    parser.add_argument("--method", default="rl_cai")
    parser.add_argument("--limit", type=int, default=0, help="pairs per part (0: all)")
    args = parser.parse_args()
    parts = dict(zip(("calibration", "test"), human_sets.split(human_sets.pairs())))
    data = {part: [{"key": f"{part}{i}", "prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected}
                   for i, p in enumerate(items[: args.limit or None])] for part, items in parts.items()}
    rows, effects = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.judges.split(","):
            results = {part: measure(model, args.method, data[part], Path(tmp), f"{model}-{part}") for part in data}
            for part, (overall, judged, per_pair) in results.items():
                m = judge.metrics(overall, judged.first_wins.get("", []), judged.parses.get("", []))
                k = m["kappa"]
                rows.append([model, args.method, part, m["n"], fmt(m["accuracy"]["value"]), fmt(m["coverage"]),
                             f"{fmt(k['value'])} ({fmt(k['low'], 2)}–{fmt(k['high'], 2)})",
                             fmt(m["position"]["value"]), fmt(m["ece"]), f"{per_pair:.1f}"])
            overall, judged, _ = results["calibration"]
            temps = judge.temperatures(overall + judged.per_principle)
            test_overall, test_judged, _ = results["test"]
            for row in judge.calibration_effect(temps, test_overall):
                effects.append([model, row["n"], fmt(temps.get("")), fmt(row["ece_before"]), fmt(row["ece_after"]),
                                fmt(row["nll_before"]), fmt(row["nll_after"])])
    print("\nJudges on the shipped human set (hhh-comparison, one principle per pair, both orders), CPU, one thread:\n")
    print(table(["judge", "method", "part", "pairs", "accuracy", "coverage", "kappa (95% CI)", "first-shown wins",
                 "ECE", "s/pair"], rows))
    print("\nTemperature over all principles, fitted on the calibration part, applied to the test part "
          "(fitted only with at least 5 decided pairs):\n")
    print(table(["judge", "decided test pairs", "T", "ECE before", "ECE after", "log loss before", "log loss after"],
                effects))


if __name__ == "__main__":
    main()
