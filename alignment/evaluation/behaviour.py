"""Behaviour that needs no judge: how often a model refuses harmful requests (per category where
the set has them), how often it refuses benign ones (over-refusal), and how long it answers, each
with a 95% bootstrap interval. Refusals are read by alignment/refusal.py's rules, whose own
accuracy against people is reported beside the result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from alignment.evaluation.config import EvalConfig
from alignment.evaluation.stats import mean_with_ci
from alignment.refusal import is_refusal, measured_accuracy


def answers(backend, rows: list[tuple[str, str, str, str]], config: EvalConfig) -> Iterator[list[dict]]:
    """rows: (set, key, prompt, category). Greedy unless a temperature is given."""
    from alignment.generation import SamplingParams

    params = SamplingParams(config.temperature, 1.0, config.max_new_tokens, config.seed)
    for start in range(0, len(rows), config.batch_size):
        chunk = rows[start:start + config.batch_size]
        outs = backend.generate([prompt for _, _, prompt, _ in chunk], 1, params)
        yield [{"set": which, "key": key, "prompt": prompt, "category": category, "response": out[0].text,
                "refused": is_refusal(out[0].text), "tokens": out[0].completion_tokens, "chars": len(out[0].text)}
               for (which, key, prompt, category), out in zip(chunk, outs)]


def summarize(items: list[dict]) -> dict:
    harmful = [i for i in items if i["set"] == "harmful"]
    benign = [i for i in items if i["set"] == "benign"]
    per_category: dict[str, list[float]] = defaultdict(list)
    for i in harmful:
        per_category[i["category"] or "uncategorised"].append(float(i["refused"]))
    detector = measured_accuracy()
    return {
        "refusal_rate": mean_with_ci([float(i["refused"]) for i in harmful]).as_dict(),
        "over_refusal_rate": mean_with_ci([float(i["refused"]) for i in benign]).as_dict(),
        "mean_tokens_harmful": mean_with_ci([float(i["tokens"]) for i in harmful]).as_dict(),
        "mean_tokens_benign": mean_with_ci([float(i["tokens"]) for i in benign]).as_dict(),
        "refusal_rate_by_category": {k: mean_with_ci(v).as_dict() for k, v in sorted(per_category.items())},
        "detector": {"n": detector.n, "accuracy": detector.accuracy, "precision": detector.precision,
                     "recall": detector.recall, "source": detector.source},
    }
