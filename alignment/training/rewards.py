"""Rewards for online RL (GRPO, RLOO): a trained reward model scores each completion.

An instructable reward model (SALMON) is steered at RL time by the principles chosen at
launch: they are put in its input exactly as it saw them in training.
"""

from __future__ import annotations

from pathlib import Path

from alignment.errors import UserError
from alignment.training.data import RM_SYSTEM


def parse_principles(spec: str, texts: dict[str, str]) -> str:
    """"harmless,~verbose" -> the system turn naming those principles ("~" = the negation)."""
    keys = [k.strip() for k in spec.split(",") if k.strip()]
    unknown = [k for k in keys if k not in texts]
    if unknown:
        raise UserError(f"unknown principles for the reward model: {', '.join(unknown)}")
    return RM_SYSTEM + "\n".join(f"- {texts[k]}" for k in keys)


class RewardModelScorer:
    """A reward function in TRL's shape: (prompts, completions) -> one float per completion."""

    __name__ = "reward_model"

    def __init__(self, folder: Path, device: str, system: str | None = None, batch_size: int = 8) -> None:
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
            if self.system:
                turns = [{"role": "system", "content": self.system}] + [t for t in turns if t["role"] != "system"]
            out.append(self.tokenizer.apply_chat_template(turns + reply, tokenize=False))
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
