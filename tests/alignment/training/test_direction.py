"""Training moves the default model the right way (`pytest -m direction`).

Each test trains on CPU on small data labelled by a rule (no LLM judge), evaluates on held-out
pairs the training never saw, and fails if the direction is wrong. The rule is length: the
shorter of two answers to the same question is preferred, which a 135M model can learn in a few
dozen steps; thresholds are stated beside each assertion.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from alignment.training.config import TrainConfig
from alignment.training.losses import soft_preference_loss_of
from alignment.training.principles import catalog, instructable_rows
from alignment.training.run import train

pytestmark = pytest.mark.direction
ROOT = Path(__file__).resolve().parents[3]
HHH = str(ROOT / "principles" / "hhh-comparison.yaml")
TOPICS = ["the moon", "rivers", "bread", "chess", "volcanoes", "bees", "glaciers", "violins", "deserts", "owls",
          "trains", "coral", "tea", "comets", "maple trees", "lighthouses", "penguins", "clouds", "copper", "kites",
          "tides", "salt", "bridges", "ferns", "dolphins", "marble", "wind", "honey", "caves", "lanterns"]
SHORT = "It is {t}."
LONG = ("Well, there is a great deal one could say about {t}, and I will try to cover all of it at length, "
        "starting from the very beginning and going on for quite a while, because {t} deserve a long answer.")


def pair(topic: str) -> dict:
    return {"prompt": [{"role": "user", "content": f"Tell me about {topic}."}],
            "chosen": [{"role": "assistant", "content": SHORT.format(t=topic)}],
            "rejected": [{"role": "assistant", "content": LONG.format(t=topic)}],
            "soft_label": 0.9, "margin": 0.8, "principles": ["conciseness"], "negated": []}


TRAIN, HELD_OUT = [pair(t) for t in TOPICS[:20]], [pair(t) for t in TOPICS[20:]]


def write(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def trained(tmp_path: Path, **config) -> str:
    config = {"dataset": write(tmp_path / "train.jsonl", TRAIN), "output": str(tmp_path / "run"), "batch_size": 4,
              "max_length": 96, "save_steps": 1000, "warmup_ratio": 0.0, **config}
    return train(TrainConfig(**config), lambda *a, **k: None)["final"]


def accuracy(scores: list[tuple[float, float]]) -> float:
    return sum(c > r for c, r in scores) / len(scores)


def reward_scores(folder: str, rows: list[dict], spec: str = "") -> list[tuple[float, float]]:
    from alignment.training import principles
    from alignment.training.rewards import RewardModelScorer

    steer = principles.per_prompt(spec, catalog(HHH), 0, 0) if spec else None
    scorer = RewardModelScorer(Path(folder), "cpu", system=steer)
    prompts = [r["prompt"] for r in rows]
    return list(zip(scorer(prompts, [r["chosen"] for r in rows]), scorer(prompts, [r["rejected"] for r in rows])))


def test_the_soft_label_loss_is_the_papers_formula():
    # r_c - r_r = 1, p = 0.8: -[0.8 log s(1) + 0.2 log s(-1)] = 0.8 * 0.31326 + 0.2 * 1.31326
    assert soft_preference_loss_of(1.0, 0.0, 0.8) == pytest.approx(0.8 * 0.313262 + 0.2 * 1.313262, abs=1e-5)
    assert soft_preference_loss_of(2.0, 0.5, 1.0) == pytest.approx(math.log1p(math.exp(-1.5)))  # hard: TRL's loss
    assert soft_preference_loss_of(3.0, -3.0, 0.5) == soft_preference_loss_of(-3.0, 3.0, 0.5)  # a tie is symmetric


def test_a_negated_example_shows_the_negative_definition_and_swaps_the_sides():
    principles = catalog(HHH)
    rows = instructable_rows([pair("owls")], principles, per_example=1, negate_fraction=1.0, seed=0, soft=True)
    system, chosen, rejected = rows[0]["chosen"][0]["content"], rows[0]["chosen"][-1], rows[0]["rejected"][-1]
    assert principles["conciseness"].negative in system and principles["conciseness"].statement not in system
    assert chosen["content"] == LONG.format(t="owls") and rejected["content"] == SHORT.format(t="owls")
    positive = instructable_rows([pair("owls")], principles, per_example=1, negate_fraction=0.0, seed=0, soft=True)[0]
    assert principles["conciseness"].statement in positive["chosen"][0]["content"]
    assert positive["chosen"][-1]["content"] == SHORT.format(t="owls") and positive["target"] == 0.9


def test_a_reward_model_trained_on_rule_labelled_pairs_ranks_held_out_pairs_above_chance(tmp_path):
    folder = trained(tmp_path, method="reward", max_steps=8, learning_rate=1e-4)
    held_out = accuracy(reward_scores(folder, HELD_OUT))
    print(json.dumps({"reward_model_held_out_accuracy": held_out}))
    # 10 held-out pairs: chance is 0.5; 0.8 means at least 8 of 10 ranked by the rule it was taught.
    assert held_out >= 0.8


def test_an_instructable_reward_model_ranks_pairs_in_opposite_orders_under_p_and_not_p(tmp_path):
    dataset = write(tmp_path / "train.jsonl", TRAIN * 2)
    folder = trained(tmp_path, method="reward", instructable=True, constitution=HHH, principles_per_example=1,
                     negate_fraction=0.5, dataset=dataset, max_steps=16, learning_rate=1e-4, max_length=128)
    under_p, under_not_p = accuracy(reward_scores(folder, HELD_OUT, "conciseness")), \
        accuracy(reward_scores(folder, HELD_OUT, "~conciseness"))
    print(json.dumps({"instructable_accuracy_under_p": under_p, "under_not_p": under_not_p}))
    # Steerable: under P the short answer wins, under ~P the long one, on most held-out pairs.
    assert under_p >= 0.7 and under_not_p <= 0.3


def sequence_logprob(model, tokenizer, prompt: list[dict], answer: list[dict]) -> float:
    import torch

    head = tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
    whole = tokenizer.apply_chat_template(prompt + answer, tokenize=False)
    ids = tokenizer(whole, return_tensors="pt", add_special_tokens=False).input_ids
    start = len(tokenizer(head, add_special_tokens=False).input_ids)
    with torch.no_grad():
        logps = torch.log_softmax(model(ids).logits[0, :-1].float(), dim=-1)
    return float(logps[torch.arange(start - 1, ids.shape[1] - 1), ids[0, start:]].sum())


def margins(folder: Path) -> list[float]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    return [sequence_logprob(model, tokenizer, r["prompt"], r["chosen"])
            - sequence_logprob(model, tokenizer, r["prompt"], r["rejected"]) for r in HELD_OUT]


def test_dpo_on_rule_labelled_pairs_raises_the_held_out_margin_over_the_reference(tmp_path):
    from alignment.model_folders import resolve_model

    reference = margins(resolve_model("smollm2-135m-instruct"))
    folder = trained(tmp_path, method="dpo", max_steps=4, learning_rate=5e-6, labels="hard")
    after = margins(Path(folder))
    gains = [a - r for a, r in zip(after, reference)]
    print(json.dumps({"dpo_mean_margin_gain_nats": sum(gains) / len(gains)}))
    # The policy's log-probability margin (short minus long answer) grows on pairs it never saw.
    assert sum(gains) / len(gains) > 0.5 and sum(g > 0 for g in gains) >= 8


def test_soft_labels_reach_dpo_as_conservative_dpo(tmp_path):
    from alignment.training.data import preference_rows

    rows = [dict(pair(t), soft_label=0.75) for t in TOPICS] * 20
    kept = preference_rows(rows, "dpo", soft=True, seed=random.Random(0).randint(0, 99))
    reversed_share = sum(r["chosen"][0]["content"].startswith("Well") for r in kept) / len(kept)
    assert abs(reversed_share - 0.25) < 0.05  # each pair reversed with probability 1 - p
