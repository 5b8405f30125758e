"""One evaluation run: load what it needs, yield per-item results in batches, then the summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from alignment.errors import UserError
from alignment.evaluation import behaviour, pairwise, reward
from alignment.evaluation.config import EvalConfig
from alignment.evaluation.stats import length_controlled_win_rate, mean_with_ci, win_rate


def evaluate(config: EvalConfig) -> Iterator[tuple[list[dict], int]]:
    """(batch of per-item results, total items), batch after batch."""
    if config.kind == "win_rate":
        yield from _win_rate(config)
    elif config.kind == "behaviour":
        yield from _behaviour(config)
    else:
        yield from _reward_model(config)


def summarize(config: EvalConfig, items: list[dict]) -> dict:
    if config.kind == "win_rate":
        summary = win_rate([i["outcome"] for i in items])
        points = [{"win": 1.0, "tie": 0.5, "loss": 0.0}[i["outcome"]] for i in items]
        diffs = [len(i["model_response"]) - len(i["baseline_response"]) for i in items]
        # A prompt both models answered with the same text is a tie that says nothing about training.
        identical = sum(i["model_response"].strip() == i["baseline_response"].strip() for i in items)
        return summary | {"length_controlled_win_rate": length_controlled_win_rate(points, diffs),
                          "identical_answers": identical}
    if config.kind == "behaviour":
        return behaviour.summarize(items)
    if config.kind == "controllability":
        under_p = mean_with_ci([float(i["correct_under_p"]) for i in items]).as_dict()
        under_not_p = mean_with_ci([float(i["correct_under_not_p"]) for i in items]).as_dict()
        return {"accuracy": under_p, "accuracy_under_p": under_p, "accuracy_under_not_p": under_not_p,
                "principles": config.principles, "negated": reward.negate(config.principles)}
    return {"accuracy": mean_with_ci([float(i["correct"]) for i in items]).as_dict()}


def _win_rate(config: EvalConfig) -> Iterator[tuple[list[dict], int]]:
    from alignment.constitution import from_yaml
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model
    from alignment.records import read_prompts

    try:
        constitution = from_yaml(Path(config.constitution).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read constitution {config.constitution}: {exc}") from exc
    prompts = read_prompts(Path(config.prompts))
    loaded: dict[str, object] = {}

    def backend(name: str):
        path = resolve_model(name)
        if str(path) not in loaded:
            loaded[str(path)] = load_backend(path)
        return loaded[str(path)]

    for batch in pairwise.head_to_head(backend(config.model), backend(config.baseline), backend(config.judge),
                                       constitution, prompts, config):
        yield batch, len(prompts)


def _behaviour(config: EvalConfig) -> Iterator[tuple[list[dict], int]]:
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model
    from alignment.records import read_prompt_rows

    rows = [("harmful", r.key, r.prompt, str(obj.get("category") or "")) for r, obj in read_prompt_rows(config.prompts)]
    rows += [("benign", r.key, r.prompt, str(obj.get("category") or "")) for r, obj in read_prompt_rows(config.benign)]
    backend = load_backend(resolve_model(config.model))
    for batch in behaviour.answers(backend, rows, config):
        yield batch, len(rows)


def _reward_model(config: EvalConfig) -> Iterator[tuple[list[dict], int]]:
    import torch

    from alignment.generation import configure_torch_threads
    from alignment.model_folders import resolve_model
    from alignment.record_files import read_records
    from alignment.training import principles
    from alignment.training.data import prepare
    from alignment.training.rewards import RewardModelScorer

    configure_torch_threads()
    rows = prepare(read_records(config.prompts), "dpo")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    folder = resolve_model(config.model)
    catalog = principles.catalog(config.constitution) if config.constitution else {}

    def scorer(spec: str) -> RewardModelScorer:
        steer = principles.per_prompt(spec, catalog, 0, config.seed) if spec.strip() else None
        return RewardModelScorer(folder, device, system=steer)

    if config.kind == "controllability":
        items = reward.controllability(scorer(config.principles), scorer(reward.negate(config.principles)), rows,
                                       config.batch_size)
    else:
        items = reward.rm_accuracy(scorer(config.principles if catalog else ""), rows, config.batch_size)
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) == config.batch_size:
            yield batch, len(rows)
            batch = []
    if batch:
        yield batch, len(rows)
