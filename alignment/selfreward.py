"""The Self-Rewarding loop (Yuan et al. 2024): new prompts are written (by Mt or by a fixed
model, as the paper does), Mt answers each N = 4 times, judges every answer k = 3 times with the
additive rubric, keeps best vs worst (ties dropped), and DPO on those pairs gives Mt+1. With a
human-ranked set as `eft`, the loop starts from M0: the EFT stage (alignment/eft.py) makes M1.

Each iteration lives in `output/iter-t/` (prompts.jsonl, pairs.jsonl, train/, summary.json;
EFT in iter-0/), and a stage whose output is complete is never redone, so a crashed loop
resumes where it stopped: inside a training run, from its last checkpoint. Per iteration: the
pairs kept and the score spread, the judge's accuracy against held-out human rankings with its
coverage (ties and unparsed judgments counted), and, given harmful and benign prompts, the
judge-free behaviour of Mt+1 beside Mt's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.feedback.pipeline import SCORE_MODES
from alignment.model_folders import DEFAULT_MODEL
from alignment.records import preference_record, read_jsonl_list, write_jsonl

Emit = Callable[..., None]


@dataclass
class SelfRewardConfig(Config):
    KIND: ClassVar[str] = "self_reward"
    seeds: str = path("JSONL of {key, prompt}: seed prompts")
    rubric: str = path("constitution YAML with the additive rubric principle")
    output: str = path("loop folder: iter-1/, iter-2/, ...")
    heldout: str = path("JSONL of human-ranked pairs {prompt, chosen, rejected} for the judge's accuracy")
    eft: str = path("JSONL of human-ranked pairs for the EFT stage: M0 learns to judge first (empty: the model is M1)")
    harmful: str = path("JSONL of {key, prompt} harmful prompts: refusal rate of each new model, no judge")
    benign: str = path("JSONL of {key, prompt} benign prompts: over-refusal of each new model, no judge")
    model: str = choice(DEFAULT_MODEL, "the policy that is also its own judge: M1, or M0 when an EFT set is given",
                        model=True)
    prompt_model: str = choice("", "the model that writes new prompts; empty: Mt itself (the paper used a fixed "
                                   "model, Llama 2-Chat 70B)", model=True)
    iterations: int = choice(2, "M1 -> M2 -> ... (the paper trained 3 models)", min=1, max=10)
    new_prompts: int = choice(0, "new prompts written per iteration, each iteration its own (0: reuse the seeds)",
                              min=0, max=100_000)
    n: int = choice(4, "responses per prompt (paper: 4)", min=2, max=16)
    temperature: float = choice(0.7, "response sampling temperature (paper: 0.7)", min=0, max=5)
    top_p: float = choice(0.9, "response sampling nucleus mass (paper: 0.9)", above=0, max=1, label="top-p")
    max_new_tokens: int = choice(128, "response length in tokens", min=1, max=4096)
    judgments_per_response: int = choice(3, "k judgments averaged per response (paper: 3)", min=1, max=16)
    judge_max_new_tokens: int = choice(256, "room for the judge's rationale and score", min=1, max=4096)
    score_mode: str = choice("parse", "how a judgment becomes a score", options=SCORE_MODES)
    dpo_max_steps: int = choice(0, "DPO steps per iteration (0: one epoch)", min=0, max=1_000_000)
    dpo_batch_size: int = choice(4, "DPO batch size", min=1, max=1024)
    dpo_learning_rate: float = choice(1e-6, "DPO learning rate (paper: 1e-6)", above=0, max=1e-2)
    dpo_beta: float = choice(0.1, "DPO beta (paper: 0.1)", above=0, max=10)
    max_length: int = choice(512, "tokens per training example", min=16, max=32768)
    sft_max_steps: int = choice(0, "EFT: SFT steps on the judgment and instruction records (0: one epoch)",
                                min=0, max=1_000_000)
    sft_learning_rate: float = choice(5.5e-6, "EFT: SFT learning rate (paper: 5.5e-6)", above=0, max=1e-2)
    eval_prompts: int = choice(16, "behaviour: prompts taken from each of the harmful and benign sets", min=1,
                               max=100_000)
    eval_max_new_tokens: int = choice(64, "behaviour: answer length in tokens", min=1, max=4096)
    batch_size: int = choice(8, "prompts per generation batch", min=1, max=512)
    seed: int = choice(0, "sampling seed (each iteration adds its number)", min=0, max=2**32 - 1)

    def check_files(self) -> None:
        if not self.seeds or not self.rubric or not self.output:
            raise UserError("seeds, rubric and output are required")


def run_loop(config: SelfRewardConfig, emit: Emit) -> list[dict]:
    from alignment.records import read_prompts

    config.validate()
    config.check_files()
    seeds = read_prompts(Path(config.seeds))
    current = config.model
    summaries: list[dict] = []
    step_offset = 0
    emit = _by_iteration(emit, config.iterations + bool(config.eft), summaries)
    if config.eft:
        done = Path(config.output) / "iter-0" / "summary.json"
        if done.exists():
            summary = json.loads(done.read_text())
        else:
            from alignment import eft

            summary = eft.stage(config, current, done.parent, emit)
            done.write_text(json.dumps(summary))
        emit("iteration", **summary)
        summaries.append(summary)
        current, step_offset = summary["model"], summary["dpo_steps"]
    for t in range(1, config.iterations + 1):
        folder = Path(config.output) / f"iter-{t}"
        folder.mkdir(parents=True, exist_ok=True)
        done = folder / "summary.json"
        if done.exists():
            summary = json.loads(done.read_text())
        else:
            summary = _iteration(config, t, current, seeds, folder, emit, step_offset)
            done.write_text(json.dumps(summary))
        emit("iteration", **summary)
        accuracy = (summary.get("judge_accuracy") or {}).get("value")
        emit("metric", step=t, values={"loop/pairs": summary["pairs"], "loop/score_spread": summary["score_spread"],
                                       **({"loop/judge_accuracy": accuracy} if accuracy is not None else {})})
        emit("log", message=f"iteration {t}: {summary['pairs']} pairs, model {summary['model']}")
        summaries.append(summary)
        current, step_offset = summary["model"], step_offset + summary["dpo_steps"]
    return summaries


def _by_iteration(emit: Emit, total: int, finished: list) -> Emit:
    """The loop's progress counts models made (EFT and iterations); each stage's own count
    (prompts written, answers judged, DPO steps) rides in the message."""
    def staged(event: str, **payload) -> None:
        if event == "progress":
            message, count = payload.get("message", ""), f"{payload.get('done')}/{payload.get('total')}"
            payload = {"done": len(finished), "total": total,
                       "message": message if count in message or not payload.get("total") else f"{message} {count}"}
        emit(event, **payload)

    return staged


def _iteration(config: SelfRewardConfig, t: int, current: str, seeds, folder: Path, emit: Emit, offset: int) -> dict:
    from alignment.training.config import TrainConfig
    from alignment.training.run import train

    prompts = _prompts(config, t, current, seeds, folder, emit)
    pairs_path = folder / "pairs.jsonl"
    if not pairs_path.exists():
        write_jsonl(pairs_path, _pairs(config, t, current, prompts, emit))
    pairs = read_jsonl_list(pairs_path)
    spread = [p["chosen_score"] - p["rejected_score"] for p in pairs]
    if not pairs:
        raise UserError(f"iteration {t}: no pairs (every prompt's best and worst answers tied or no score parsed); "
                        f"try more prompts, a longer judge_max_new_tokens, score_mode=forced or a stronger model")
    if config.heldout:
        emit("progress", done=0, total=0, message=f"iteration {t}: M{t} judges the held-out human pairs")
    accuracy = _judge_accuracy(config, t, current, folder)

    def shifted(event: str, **payload) -> None:
        if event in ("metric", "progress"):
            payload = {**payload, **({"step": payload["step"] + offset} if "step" in payload else {})}
            if event == "progress":
                payload["message"] = f"iteration {t}: {payload.get('message', '')}"
        emit(event, **payload)

    trained = train(TrainConfig(method="dpo", model=current, dataset=str(pairs_path), output=str(folder / "train"),
                                max_steps=config.dpo_max_steps, batch_size=config.dpo_batch_size,
                                learning_rate=config.dpo_learning_rate, beta=config.dpo_beta,
                                max_length=config.max_length, seed=config.seed + t), shifted)
    return {"iteration": t, "judge": current, "model": trained["final"], "prompts": len(prompts), "pairs": len(pairs),
            "score_spread": round(sum(spread) / len(spread), 4), "dataset": str(pairs_path), "judge_accuracy": accuracy,
            "dpo_steps": trained["global_step"], "dpo_loss": trained["train_loss"],
            "behaviour": _behaviour(config, t, current, trained["final"], folder, emit)}


def _prompts(config: SelfRewardConfig, t: int, current: str, seeds, folder: Path, emit: Emit):
    """The seeds, or `new_prompts` written from them (self-instruct, deduplicated) by the fixed
    prompt model or by Mt, a fresh draw each iteration."""
    from alignment.records import PromptRecord

    if not config.new_prompts:
        return seeds
    path = folder / "prompts.jsonl"
    if not path.exists():
        from alignment.embeddings import Embedder
        from alignment.generation import load_backend
        from alignment.model_folders import resolve_model
        from alignment.synthesis import SynthesisConfig, synthesize

        writer = config.prompt_model or current
        backend = load_backend(resolve_model(writer))
        kept = []
        synthesis = SynthesisConfig(count=config.new_prompts, model=writer, seed=config.seed + t)
        for batch, _ in synthesize(backend, Embedder(), seeds, synthesis):
            kept += [{**r, "key": f"t{t}-{r['key']}"} for r in batch]
            who = "the prompt model" if config.prompt_model else f"M{t}"
            emit("progress", done=len(kept), total=config.new_prompts, message=f"iteration {t}: {who} writes prompts")
        write_jsonl(path, kept)
    return [PromptRecord(r["key"], r["prompt"]) for r in read_jsonl_list(path)]


def _pairs(config: SelfRewardConfig, t: int, current: str, prompts, emit: Emit) -> list[dict]:
    """Mt answers and judges itself; best vs worst, as TRL conversational preference records."""
    from alignment.feedback.pipeline import FeedbackConfig, run

    feedback = FeedbackConfig(method="self_rewarding", constitution=config.rubric, policy_model=current,
                              judge_model=current, n=config.n, temperature=config.temperature, top_p=config.top_p,
                              max_new_tokens=config.max_new_tokens, judgments_per_response=config.judgments_per_response,
                              judge_max_new_tokens=config.judge_max_new_tokens, batch_size=config.batch_size,
                              seed=config.seed + t, score_mode=config.score_mode)
    pairs, judged = [], 0
    for stage, records in run(feedback, prompts):
        if stage != "self_rewarding":
            continue
        judged += len(records)
        emit("progress", done=judged, total=len(prompts), message=f"iteration {t}: M{t} answers and judges")
        for r in records:
            if not r["tie"]:
                pairs.append(preference_record(r["prompt"], r["chosen"], r["rejected"],
                                               chosen_score=r["chosen_score"], rejected_score=r["rejected_score"]))
    return pairs


def _judge_accuracy(config: SelfRewardConfig, t: int, current: str, folder: Path) -> dict | None:
    """How often Mt, as a judge, scores the human-preferred response of a held-out pair higher."""
    if not config.heldout:
        return None
    from alignment.evaluation import mean_with_ci
    from alignment.feedback.pointwise import Candidates
    from alignment.record_files import read_records
    from alignment.training.data import prepare

    rows = prepare(read_records(config.heldout), "dpo")
    items = [Candidates(str(i), r["prompt"][-1]["content"], [r["chosen"][-1]["content"], r["rejected"][-1]["content"]])
             for i, r in enumerate(rows)]
    correct, ties, unparsed = [], 0, 0
    for records in _rubric_judge(config, t, current, items):
        for r in records:
            scores = [resp["score"] for resp in r["responses"]]
            if None in scores:
                unparsed += 1
            elif scores[0] == scores[1]:
                ties += 1
            else:
                correct.append(float(scores[0] > scores[1]))
    return {**mean_with_ci(correct).as_dict(), "pairs": len(items), "decided": len(correct), "ties": ties,
            "unparsed": unparsed, "coverage": round(len(correct) / len(items), 4) if items else None}


def _behaviour(config: SelfRewardConfig, t: int, before: str, after: str, folder: Path, emit: Emit) -> dict | None:
    """Judge-free: refusal on the harmful prompts and over-refusal on the benign ones, of Mt+1 and
    of Mt (greedy answers; alignment/evaluation/behaviour.py); then Mt+1's win rate against Mt on
    the same prompts (`_win_rate`)."""
    if not (config.harmful and config.benign):
        return None
    from alignment.evaluation.config import EvalConfig
    from alignment.evaluation.run import evaluate, summarize

    out, answers = {}, {}
    for label, model in (("before", before), ("after", after)):
        path, items_path = folder / f"behaviour-{label}.json", folder / f"behaviour-{label}.jsonl"
        if not (path.exists() and items_path.exists()):
            eval_config = EvalConfig(kind="behaviour", prompts=config.harmful, benign=config.benign, model=model,
                                     max_new_tokens=config.eval_max_new_tokens, batch_size=config.batch_size)
            items = [i for batch, _ in evaluate(eval_config) for i in batch]
            emit("progress", done=len(items), total=len(items), message=f"iteration {t}: behaviour of M{t + (label == 'after')}")
            write_jsonl(items_path, items)
            path.write_text(json.dumps(summarize(eval_config, items)))
        out[label] = json.loads(path.read_text())
        answers[label] = read_jsonl_list(items_path)
    path = folder / "win-rate.json"
    if not path.exists():
        path.write_text(json.dumps(_win_rate(config, t, answers["after"], answers["before"], emit)))
    return out | {"win_rate": json.loads(path.read_text())}


def _win_rate(config: SelfRewardConfig, t: int, after: list[dict], before: list[dict], emit: Emit) -> dict:
    """Mt+1 against Mt on each behaviour prompt, judged with the rubric by the loop's first model
    (one fixed judge for every iteration, as the paper's fixed GPT-4 judge): a win when Mt+1's
    answer scores higher, a loss when lower, a tie when equal, when a score did not parse, or when
    both answered alike (not judged: a sampling judge would otherwise split identical answers)."""
    from alignment.evaluation.stats import win_rate
    from alignment.feedback.pointwise import Candidates

    same = [a["response"].strip() == b["response"].strip() for a, b in zip(after, before)]
    items = [Candidates(a["key"], a["prompt"], [a["response"], b["response"]])
             for a, b, alike in zip(after, before, same) if not alike]  # the same answer is a tie, unjudged
    outcomes: list[str] = ["tie"] * sum(same)
    for records in _rubric_judge(config, t, config.model, items) if items else []:
        for r in records:
            new, old = (resp["score"] for resp in r["responses"])
            outcomes.append("tie" if new is None or old is None or new == old else "win" if new > old else "loss")
        emit("progress", done=len(outcomes), total=len(after), message=f"iteration {t}: M{t + 1} against M{t}")
    return win_rate(outcomes) | {"identical_answers": sum(same), "judge": config.model}


def _rubric_judge(config: SelfRewardConfig, t: int, model: str, items: list):
    """`model` scoring each item's responses with the loop's rubric, as its pointwise judge does."""
    from alignment.constitution import from_yaml
    from alignment.feedback.pointwise import PointwiseConfig, judge
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model

    stage = PointwiseConfig(config.judgments_per_response, 0.7, 0.9, config.judge_max_new_tokens, config.batch_size,
                            config.seed + t, config.score_mode)
    return judge(load_backend(resolve_model(model)), from_yaml(Path(config.rubric).read_bytes()), items, stage)
