"""Rewards for online RL (GRPO, RLOO): a trained reward model, or a judge, scores each completion.

An instructable reward model (SALMON) is steered at RL time by principles sampled per prompt
from those chosen at launch (alignment/training/principles.py): they are put in its input
exactly as it saw them in training.

A judge (RLAIF with an LLM judge, as in Self-Rewarding LMs) scores a completion with the
constitution's additive rubric. Sampling a rationale per completion would cost the judge a
generation inside every RL step, so the reward is the judge's expected score right after
"Score: " (from its next-token probabilities over the points 0..N, one forward pass per
completion, deterministic): the same reading `score_mode=forced` uses in the feedback stage.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alignment.errors import UserError


class RewardModelScorer:
    """A reward function in TRL's shape: (prompts, completions) -> one float per completion."""

    __name__ = "reward_model"

    def __init__(self, folder: Path, device: str, system: Callable[[str], str] | None = None,
                 batch_size: int = 8) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                folder, use_safetensors=True, trust_remote_code=False, num_labels=1).to(device)
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot load reward model from {folder}: {exc}") from exc
        if getattr(self.model.config, "num_labels", 1) != 1:
            raise UserError(f"{folder.name} is not a reward model (it has {self.model.config.num_labels} labels)")
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model.config.pad_token_id = self.tokenizer.pad_token_id
        self.model.eval()
        self.device, self.system, self.batch_size, self.torch = device, system, batch_size, torch

    def texts(self, prompts: list, completions: list) -> list[str]:
        out = []
        for prompt, completion in zip(prompts, completions):
            turns = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
            reply = completion if isinstance(completion, list) else [{"role": "assistant", "content": completion}]
            if self.system:  # the principles this prompt is scored under
                system = self.system(_last_user(turns))
                turns = [{"role": "system", "content": system}] + [t for t in turns if t["role"] != "system"]
            out.append(str(self.tokenizer.apply_chat_template(turns + reply, tokenize=False)))
        return out

    def __call__(self, prompts: list, completions: list, **_) -> list[float]:
        texts = self.texts(prompts, completions)
        scores: list[float] = []
        with self.torch.no_grad():
            for i in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(texts[i:i + self.batch_size], return_tensors="pt", padding=True,
                                       truncation=True, max_length=2048, add_special_tokens=False).to(self.device)
                scores += self.model(**batch).logits[:, 0].float().tolist()
        return scores


class JudgeScorer:
    """A reward function in TRL's shape that asks a frozen judge model for its rubric score."""

    __name__ = "judge"

    def __init__(self, folder: Path, constitution_yaml: str, device: str, batch_size: int = 8) -> None:
        from alignment.constitution import from_yaml
        from alignment.generation import TransformersBackend

        try:
            doc = from_yaml(Path(constitution_yaml).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"cannot read constitution {constitution_yaml}: {exc}") from exc
        rubrics = doc.of_kind("rubric")
        if not rubrics:
            raise UserError(f"{doc.name!r} has no enabled rubric principle for the judge to score by")
        self.rubric = rubrics[0]
        self.preamble = next(iter(doc.of_kind("preamble")), None)
        self.points = [str(d) for d in range(len(self.rubric.fields["points"]) + 1)]
        self.backend = TransformersBackend(folder, device)
        self.batch_size = batch_size

    def __call__(self, prompts: list, completions: list, **_) -> list[float]:
        import math

        from alignment import judge_prompts

        asks = [judge_prompts.rubric_prompt(self.rubric, _last_user(p), _text(c), self.preamble)
                for p, c in zip(prompts, completions)]
        scores: list[float] = []
        for i in range(0, len(asks), self.batch_size):
            batch = asks[i:i + self.batch_size]
            for row in self.backend.next_token_logprobs(batch, ["Score: "] * len(batch), self.points):
                weights = [math.exp(v) for v in row]
                scores.append(sum(d * w for d, w in enumerate(weights)) / sum(weights))
        return scores


def _last_user(prompt) -> str:
    if isinstance(prompt, str):
        return prompt
    return next((t["content"] for t in reversed(prompt) if t["role"] == "user"), "")


def _text(completion) -> str:
    return completion if isinstance(completion, str) else "".join(t["content"] for t in completion)
