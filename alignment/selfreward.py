"""The Self-Rewarding loop (Yuan et al. 2024): Mt writes prompts, answers each N = 4 times,
judges every answer k = 3 times with the additive rubric, keeps best vs worst (ties dropped),
and DPO on those pairs gives Mt+1.

Each iteration lives in `output/iter-t/` (prompts.jsonl, pairs.jsonl, train/, summary.json),
and a stage whose output is complete is never redone, so a crashed loop resumes where it
stopped: inside a DPO run, from its last checkpoint. The judge's accuracy against held-out
human rankings (pairs whose chosen response people preferred) is measured per iteration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from alignment.errors import UserError
from alignment.models import DEFAULT_MODEL

Emit = Callable[..., None]


@dataclass
class SelfRewardConfig:
    model: str = field(default=DEFAULT_MODEL, metadata={"help": "M1: the policy that is also its own judge"})
    seeds: str = field(default="", metadata={"help": "JSONL of {key, prompt}: seed prompts"})
    rubric: str = field(default="", metadata={"help": "constitution YAML with the additive rubric principle"})
    output: str = field(default="", metadata={"help": "loop folder: iter-1/, iter-2/, ..."})
    iterations: int = field(default=2, metadata={"help": "M1 -> M2 -> ... (paper: 3 models)"})
    new_prompts: int = field(default=0, metadata={"help": "prompts Mt synthesizes per iteration (0: use the seeds)"})
    n: int = field(default=4, metadata={"help": "responses per prompt (paper: 4)"})
    temperature: float = field(default=0.7, metadata={"help": "response sampling (paper: 0.7)"})
    top_p: float = field(default=0.9, metadata={"help": "response sampling (paper: 0.9)"})
    max_new_tokens: int = field(default=128, metadata={"help": "response length"})
    judgments_per_response: int = field(default=3, metadata={"help": "k judgments averaged (paper: 3)"})
    judge_max_new_tokens: int = field(default=256, metadata={"help": "room for the rationale and the score"})
    score_mode: str = field(default="parse", metadata={"help": "parse (paper) or forced: see FeedbackConfig"})
    heldout: str = field(default="", metadata={"help": "JSONL of human-ranked pairs {prompt, chosen, rejected} "
                                                       "for the judge's accuracy"})
    dpo_max_steps: int = field(default=0, metadata={"help": "DPO steps per iteration (0: one epoch)"})
    dpo_batch_size: int = field(default=4, metadata={"help": "DPO batch size"})
    dpo_learning_rate: float = field(default=1e-6, metadata={"help": "paper: 1e-6"})
    dpo_beta: float = field(default=0.1, metadata={"help": "paper: 0.1"})
    max_length: int = field(default=512, metadata={"help": "DPO tokens per example"})
    batch_size: int = field(default=8, metadata={"help": "prompts per generation batch"})
    seed: int = field(default=0, metadata={"help": "sampling seed (each iteration adds its number)"})

    def validate(self) -> None:
        if not self.seeds or not self.rubric or not self.output:
            raise UserError("seeds, rubric and output are required")
        if not 1 <= self.iterations <= 10 or not 2 <= self.n <= 16 or not 1 <= self.judgments_per_response <= 16:
            raise UserError("iterations must be 1-10, n 2-16 and judgments_per_response 1-16")
        if not 0 <= self.new_prompts <= 100_000:
            raise UserError("new_prompts must be 0-100000")


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    partial.rename(path)  # a file that exists is complete


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_loop(config: SelfRewardConfig, emit: Emit) -> list[dict]:
    from alignment.sampling import read_prompts

    config.validate()
    seeds = read_prompts(Path(config.seeds))
    current = config.model
    summaries, step_offset = [], 0
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
        summaries.append(summary)
        current, step_offset = summary["model"], step_offset + summary["dpo_steps"]
    return summaries


def _iteration(config: SelfRewardConfig, t: int, current: str, seeds, folder: Path, emit: Emit, offset: int) -> dict:
    from alignment.training.config import TrainConfig
    from alignment.training.run import train

    prompts = _prompts(config, t, current, seeds, folder, emit)
    pairs_path = folder / "pairs.jsonl"
    if not pairs_path.exists():
        _write_jsonl(pairs_path, _pairs(config, t, current, prompts, emit))
    pairs = _read_jsonl(pairs_path)
    if not pairs:
        raise UserError(f"iteration {t}: no pairs (every prompt's best and worst answers tied or no score parsed); "
                        f"try more prompts, a longer judge_max_new_tokens, score_mode=forced or a stronger model")
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
            "dataset": str(pairs_path), "judge_accuracy": accuracy, "dpo_steps": trained["global_step"],
            "dpo_loss": trained["train_loss"]}


def _prompts(config: SelfRewardConfig, t: int, current: str, seeds, folder: Path, emit: Emit):
    """The seeds, or `new_prompts` written by Mt from them (self-instruct, deduplicated)."""
    from alignment.sampling import PromptRecord

    if not config.new_prompts:
        return seeds
    path = folder / "prompts.jsonl"
    if not path.exists():
        from alignment.embeddings import Embedder
        from alignment.generation import load_backend
        from alignment.models import resolve_model
        from alignment.synthesis import SynthesisConfig, synthesize

        backend = load_backend(resolve_model(current))
        kept = []
        for batch, _ in synthesize(backend, Embedder(), seeds, SynthesisConfig(count=config.new_prompts, model=current)):
            kept += batch
            emit("progress", done=len(kept), total=config.new_prompts, message=f"iteration {t}: M{t} writes prompts")
        _write_jsonl(path, kept)
    return [PromptRecord(r["key"], r["prompt"]) for r in _read_jsonl(path)]


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
                pairs.append({"prompt": [{"role": "user", "content": r["prompt"]}],
                              "chosen": [{"role": "assistant", "content": r["chosen"]}],
                              "rejected": [{"role": "assistant", "content": r["rejected"]}],
                              "chosen_score": r["chosen_score"], "rejected_score": r["rejected_score"]})
    return pairs


def _judge_accuracy(config: SelfRewardConfig, t: int, current: str, folder: Path) -> dict | None:
    """How often Mt, as a judge, scores the human-preferred response of a held-out pair higher."""
    if not config.heldout:
        return None
    from alignment.constitution import from_yaml
    from alignment.evaluation import mean_with_ci
    from alignment.feedback.pointwise import Candidates, PointwiseConfig, judge
    from alignment.generation import load_backend
    from alignment.models import resolve_model
    from alignment.training.data import prepare, read_records

    rows = prepare(read_records(config.heldout), "dpo")
    items = [Candidates(str(i), r["prompt"][-1]["content"], [r["chosen"][-1]["content"], r["rejected"][-1]["content"]])
             for i, r in enumerate(rows)]
    stage = PointwiseConfig(config.judgments_per_response, 0.7, 0.9, config.judge_max_new_tokens, config.batch_size,
                            config.seed + t, config.score_mode)
    rubric = from_yaml(Path(config.rubric).read_bytes())
    correct = []
    for records in judge(load_backend(resolve_model(current)), rubric, items, stage):
        for r in records:
            scores = [resp["score"] for resp in r["responses"]]
            if None not in scores and scores[0] != scores[1]:
                correct.append(float(scores[0] > scores[1]))
    return {**mean_with_ci(correct).as_dict(), "pairs": len(items)}
