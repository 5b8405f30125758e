"""Sample N responses per prompt, in batches, recording the sampling parameters."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from alignment.errors import UserError
from alignment.generation import Backend, SamplingParams


@dataclass
class SampleConfig:
    model: str = field(default="smollm2-135m-instruct", metadata={"help": "model name or folder"})
    prompts: str = field(default="", metadata={"help": "JSONL file of {key, prompt} records"})
    output: str = field(default="-", metadata={"help": "JSONL file to write, or - for stdout"})
    n: int = field(default=4, metadata={"help": "responses per prompt"})
    temperature: float = field(default=0.7, metadata={"help": "0 means greedy decoding"})
    top_p: float = field(default=0.9, metadata={"help": "nucleus sampling mass"})
    max_new_tokens: int = field(default=128, metadata={"help": "upper bound on response length"})
    seed: int = field(default=0, metadata={"help": "base seed; each batch derives its own"})
    batch_size: int = field(default=8, metadata={"help": "prompts per forward pass"})

    def validate(self) -> None:
        problems = []
        if not 1 <= self.n <= 64:
            problems.append("n must be between 1 and 64")
        if not 0 <= self.temperature <= 5:
            problems.append("temperature must be between 0 and 5")
        if not 0 < self.top_p <= 1:
            problems.append("top_p must be in (0, 1]")
        if not 1 <= self.max_new_tokens <= 8192:
            problems.append("max_new_tokens must be between 1 and 8192")
        if not 1 <= self.batch_size <= 512:
            problems.append("batch_size must be between 1 and 512")
        if not 0 <= self.seed < 2**32:
            problems.append("seed must be between 0 and 2**32 - 1")
        if problems:
            raise UserError("; ".join(problems))


@dataclass(frozen=True)
class PromptRecord:
    key: str
    prompt: str
    responses: tuple[str, ...] = ()  # already sampled (a resumed run does not sample again)


def batch_seed(base_seed: int, first_key: str) -> int:
    """A batch's seed depends only on the base seed and its first prompt, so a resumed run
    that re-forms the same batches draws the same samples."""
    return (base_seed + zlib.crc32(first_key.encode())) % 2**32


def read_prompt_rows(path: Path) -> list[tuple[PromptRecord, dict]]:
    """Each {key, prompt[, responses]} line as a record, with the object it came from (callers
    read their own extra fields from it)."""
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read prompts file {path}: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            responses = tuple(str(r) for r in obj.get("responses") or ())
            rows.append((PromptRecord(str(obj["key"]), str(obj["prompt"]), responses), obj))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UserError(f"{path}:{number}: expected a JSON object with 'key' and 'prompt'") from None
    return rows


def read_prompts(path: Path) -> list[PromptRecord]:
    records = [record for record, _ in read_prompt_rows(path)]
    if not records:
        raise UserError(f"{path} holds no prompts")
    return records


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
