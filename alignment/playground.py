"""The playground: one or two models answer the same conversation (LlamaBoard's chat tab), as a
short job so the web process never loads a model."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.model_folders import DEFAULT_MODEL
from alignment.records import read_conversation


@dataclass
class ChatConfig(Config):
    KIND: ClassVar[str] = "chat"
    conversation: str = path("JSONL of {role, content} turns (system, user, assistant), ending with the user's")
    output: str = path("JSONL of the replies, or - for stdout", default="-")
    model: str = choice(DEFAULT_MODEL, "the model that answers", model=True)
    other_model: str = choice("", "a second model that answers the same conversation, side by side (empty: none)",
                              model=True)
    temperature: float = choice(0.7, "sampling temperature; 0 means greedy decoding", min=0, max=5)
    top_p: float = choice(0.9, "nucleus sampling mass", above=0, max=1, label="top-p")
    max_new_tokens: int = choice(256, "upper bound on the reply's length in tokens", min=1, max=8192)
    seed: int = choice(0, "sampling seed (the same seed and settings give the same reply)", min=0, max=2**32 - 1)

    def check_files(self) -> None:
        if not self.conversation:
            raise UserError("conversation: a JSONL file of turns is required")


def replies(config: ChatConfig) -> list[dict]:
    """Each model's reply to the conversation: {model, text, finish_reason, tokens, seconds}."""
    from alignment.generation import SamplingParams, load_backend
    from alignment.model_folders import resolve_model

    config.validate()
    config.check_files()
    turns = read_conversation(Path(config.conversation))
    out = []
    for n, name in enumerate([config.model] + ([config.other_model] if config.other_model else [])):
        # The same model twice draws two samples; two models share the seed, for a fair comparison.
        seed = config.seed + n if name == config.model else config.seed
        params = SamplingParams(config.temperature, config.top_p, config.max_new_tokens, seed)
        backend = load_backend(resolve_model(name))
        start = time.perf_counter()
        [[completion]] = backend.generate([turns], 1, params)  # type: ignore[list-item]  # a conversation
        out.append({"model": name, "text": completion.text, "finish_reason": completion.finish_reason,
                    "tokens": completion.completion_tokens, "seconds": round(time.perf_counter() - start, 2)})
    return out
