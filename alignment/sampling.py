"""Sample N responses per prompt, in batches, recording the sampling parameters."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.generation import Backend, SamplingParams
from alignment.model_folders import DEFAULT_MODEL
from alignment.records import PromptRecord


@dataclass
class SampleConfig(Config):
    KIND: ClassVar[str] = "sample"
    prompts: str = path("JSONL file of {key, prompt} records")
    output: str = path("JSONL file to write, or - for stdout", default="-")
    model: str = choice(DEFAULT_MODEL, "the model that answers: the default model, a folder under the models "
                        "directory, an absolute path, or a hub id already in the Hugging Face cache", model=True)
    n: int = choice(4, "responses per prompt", min=1, max=64, label="responses per prompt (N)")
    temperature: float = choice(0.7, "sampling temperature; 0 means greedy decoding", min=0, max=5)
    top_p: float = choice(0.9, "nucleus sampling: the smallest set of tokens whose probability reaches this mass",
                          above=0, max=1, label="top-p")
    max_new_tokens: int = choice(128, "upper bound on a response's length in tokens", min=1, max=8192)
    seed: int = choice(0, "base seed; each batch derives its own from it and its first prompt", min=0, max=2**32 - 1)
    batch_size: int = choice(8, "prompts per forward pass", min=1, max=512)

    def check_files(self) -> None:
        if not self.prompts:
            raise UserError("prompts: a JSONL file of {key, prompt} records is required")


def batch_seed(base_seed: int, first_key: str) -> int:
    """A batch's seed depends only on the base seed and its first prompt, so a resumed run
    that re-forms the same batches draws the same samples."""
    return (base_seed + zlib.crc32(first_key.encode())) % 2**32


def sample(
    backend: Backend,
    prompts: Iterable[PromptRecord],
    config: SampleConfig,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[list[dict]]:
    """Yield one list of response records per batch of prompts."""
    prompts = list(prompts)
    for start in range(0, len(prompts), config.batch_size):
        if should_stop():
            return
        batch = prompts[start : start + config.batch_size]
        seed = batch_seed(config.seed, batch[0].key)
        params = SamplingParams(config.temperature, config.top_p, config.max_new_tokens, seed)
        completions = backend.generate([p.prompt for p in batch], config.n, params)
        records = []
        for record, outs in zip(batch, completions):
            for index, completion in enumerate(outs):
                records.append(
                    {
                        "key": record.key,
                        "sample_index": index,
                        "text": completion.text,
                        "finish_reason": completion.finish_reason,
                        "completion_tokens": completion.completion_tokens,
                        "model": backend.name,
                        "params": asdict(params),
                    }
                )
        yield records
