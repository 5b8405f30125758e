"""Self-Rewarding's EFT stage (Yuan et al. 2024, section 2.1): teach the seed model to judge
before the loop. The seed model judges both responses of human-ranked pairs with the additive
rubric; a judgment pair is kept as LLM-as-a-Judge training data only when its scores order the
two responses as the people did (the paper keeps the judgments that agree with the human
ranking), each record being the judge prompt -> the model's own rationale ending in its score.
Instruction data (the prompt -> the response people preferred) is trained on with it: SFT on
both turns M0 into M1, the model the loop starts from.
"""

from __future__ import annotations

from pathlib import Path

from alignment.errors import UserError
from alignment.records import sft_record


def records(judged: list[dict], human: list[tuple[str, str, str]]) -> tuple[list[dict], dict]:
    """judged: pointwise records (alignment.feedback.pointwise), responses[0] the human-preferred
    one; human: (prompt, chosen, rejected) in the same order. Returns (SFT records, counts)."""
    eft: list[dict] = []
    agreeing = 0
    for record in judged:
        first, second = record["responses"][0], record["responses"][1]
        kept = False
        for a, b in zip(first["judgments"], second["judgments"]):
            if a["score"] is not None and b["score"] is not None and a["score"] > b["score"]:
                for response, judgment in ((first, a), (second, b)):
                    eft.append(sft_record(record["judge_prompts"][response["index"]], judgment["raw"], mix="eft"))
                kept = True
        agreeing += kept
    ift = [sft_record(prompt, chosen, mix="ift") for prompt, chosen, _ in human]
    return eft + ift, {"human_pairs": len(human), "agreeing_pairs": agreeing, "eft_records": len(eft),
                       "ift_records": len(ift)}


def stage(config, seed_model: str, folder: Path, emit) -> dict:
    """Judge the human-ranked pairs with the seed model, keep what agrees, fine-tune: M1."""
    import json

    from alignment.constitution import from_yaml
    from alignment.feedback.pointwise import Candidates, PointwiseConfig, judge
    from alignment.generation import load_backend
    from alignment.model_folders import resolve_model
    from alignment.record_files import read_records
    from alignment.records import read_jsonl_list, write_jsonl
    from alignment.training.config import TrainConfig
    from alignment.training.data import prepare
    from alignment.training.run import train

    folder.mkdir(parents=True, exist_ok=True)
    data, counts_path = folder / "sft.jsonl", folder / "counts.json"
    if not data.exists():
        rows = prepare(read_records(config.eft), "dpo")
        human = [(r["prompt"][-1]["content"], r["chosen"][-1]["content"], r["rejected"][-1]["content"]) for r in rows]
        items = [Candidates(str(i), p, [c, r]) for i, (p, c, r) in enumerate(human)]
        stage_config = PointwiseConfig(config.judgments_per_response, 0.7, 0.9, config.judge_max_new_tokens,
                                       config.batch_size, config.seed, "parse")
        rubric = from_yaml(Path(config.rubric).read_bytes())
        judged: list[dict] = []
        for batch in judge(load_backend(resolve_model(seed_model)), rubric, items, stage_config, with_prompts=True):
            judged += batch
            emit("progress", done=len(judged), total=len(items), message="EFT: the seed model judges human-ranked pairs")
        out, counts = records(judged, human)
        counts_path.write_text(json.dumps(counts))
        write_jsonl(data, out)
    counts = json.loads(counts_path.read_text())
    emit("log", message=f"EFT: {counts['agreeing_pairs']} of {counts['human_pairs']} human-ranked pairs judged in the "
                        f"people's order; {counts['eft_records']} judgment records + {counts['ift_records']} "
                        f"instruction records")
    if not read_jsonl_list(data):
        raise UserError("EFT: the human-ranked set gave no training records")
    trained = train(TrainConfig(method="sft", model=seed_model, dataset=str(data), output=str(folder / "train"),
                                max_steps=config.sft_max_steps, batch_size=config.dpo_batch_size,
                                learning_rate=config.sft_learning_rate, max_length=config.max_length,
                                seed=config.seed), emit)
    return {"iteration": 0, "judge": seed_model, "model": trained["final"], "prompts": counts["human_pairs"],
            "pairs": 0, "eft": counts, "dpo_steps": trained["global_step"], "dpo_loss": trained["train_loss"],
            "judge_accuracy": None, "dataset": str(data)}
