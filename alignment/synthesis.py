"""Prompt synthesis, self-instruct style: show the model 8 tasks sampled from a seed set, let
it write a ninth, keep it only if it is neither an exact nor a near duplicate of anything seen.

As in Self-Instruct, once some prompts have been generated a few of the shots (2 of 8) are
drawn from them, so the pool drifts away from the seeds. Near duplicates are found by the
cosine similarity of all-MiniLM-L6-v2 embeddings (Self-Instruct used ROUGE-L > 0.7 instead).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from alignment.config import Config, choice, path
from alignment.errors import UserError
from alignment.generation import Backend, SamplingParams
from alignment.model_folders import DEFAULT_MODEL
from alignment.records import PromptRecord, read_prompt_rows

INSTRUCTION = (
    "Here are {n} tasks that people have asked an AI assistant to do.\n\n{tasks}\n\n"
    "Write task {next}: one new task for the assistant, different in topic and wording from all of "
    "the tasks above. It must make sense on its own. Reply with the task only."
)
# A small model sometimes answers the instruction instead of following it.
_ECHO = re.compile(r"\b(?:new task|tasks? above|previous tasks?|different from all)\b", re.IGNORECASE)
_LEADING_LABEL = re.compile(r"^\s*(?:task\s*\d+\s*[:.)-]|\d+\s*[:.)-])\s*", re.IGNORECASE)


@dataclass
class SynthesisConfig(Config):
    KIND: ClassVar[str] = "synthesize"
    seeds: str = path("JSONL of {key, prompt}; records with \"synthesized\": true are earlier outputs "
                      "(a resumed run continues after them)")
    output: str = path("JSONL to write, or - for stdout", default="-")
    model: str = choice(DEFAULT_MODEL, "the model that writes the new prompts", model=True)
    count: int = choice(50, "new prompts wanted", min=1, max=100_000)
    shots: int = choice(8, "example tasks in each few-shot prompt (Self-Instruct: 8)", min=1, max=16)
    generated_shots: int = choice(2, "of the shots, how many come from prompts already generated (Self-Instruct: 2)",
                                  min=0, max=16)
    temperature: float = choice(0.7, "sampling temperature", above=0, max=2)
    top_p: float = choice(0.9, "nucleus mass", above=0, max=1, label="top-p")
    max_new_tokens: int = choice(96, "length limit of one new prompt, in tokens", min=8, max=1024)
    similarity_threshold: float = choice(0.9, "drop a prompt whose cosine similarity (all-MiniLM-L6-v2) to any seen "
                                              "prompt is at least this", above=0, max=1)
    min_chars: int = choice(12, "drop shorter prompts", min=1, max=20_000)
    max_chars: int = choice(1000, "drop longer prompts", min=1, max=20_000)
    max_attempts: int = choice(0, "generations before giving up; 0 = 10 x count", min=0, max=10_000_000)
    batch_size: int = choice(8, "generations per forward pass", min=1, max=512)
    seed: int = choice(0, "seed for shot choice and sampling", min=0, max=2**32 - 1)

    def check_files(self) -> None:
        if not self.seeds:
            raise UserError("seeds: a JSONL file of {key, prompt} records is required")

    def problems(self) -> list[str]:
        problems = []
        if self.generated_shots > self.shots:
            problems.append("generated_shots must be between 0 and shots")
        if self.min_chars > self.max_chars:
            problems.append("need 1 <= min_chars <= max_chars <= 20000")
        return problems


@dataclass
class Stats:
    generated: int = 0
    kept: int = 0
    invalid: int = 0
    exact_duplicates: int = 0
    near_duplicates: int = 0


def normalise(text: str) -> str:
    """The form two prompts share when they differ only in case, spacing and punctuation."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def clean(text: str) -> str:
    """The task the model wrote, without a "Task 9:" label, quotes or a trailing second task."""
    text = text.strip()
    text = _LEADING_LABEL.sub("", text, count=1)
    text = re.split(r"\n\s*\n|\n\s*(?:task\s*)?\d+\s*[:.)]", text, maxsplit=1, flags=re.IGNORECASE)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return text


def read_seeds(path: Path) -> tuple[list[PromptRecord], list[PromptRecord]]:
    """Seed prompts, and the earlier outputs of this run (marked "synthesized": true)."""
    seeds: list[PromptRecord] = []
    earlier: list[PromptRecord] = []
    for record, obj in read_prompt_rows(path):
        (earlier if obj.get("synthesized") else seeds).append(record)
    return seeds, earlier


def few_shot_prompt(examples: Sequence[str]) -> str:
    tasks = "\n".join(f"Task {i}: {' '.join(e.split())}" for i, e in enumerate(examples, start=1))
    return INSTRUCTION.format(n=len(examples), tasks=tasks, next=len(examples) + 1)


def synthesize(backend: Backend, embedder, records: Sequence[PromptRecord], config: SynthesisConfig,
               synthesized: Sequence[PromptRecord] = ()) -> Iterator[tuple[list[dict], Stats]]:
    """Yield (kept records, running stats) after each batch until `count` are kept in all
    (earlier outputs included) or the attempt budget is spent."""
    config.validate()
    seeds = [r for r in records if r.prompt.strip()]
    if not seeds:
        raise UserError("the seed set holds no prompts")
    pool_texts = [r.prompt for r in seeds] + [r.prompt for r in synthesized]
    pool_keys = [r.key for r in seeds] + [r.key for r in synthesized]  # row i of `vectors`
    seen = {normalise(t) for t in pool_texts}
    vectors = embedder.encode(pool_texts)
    generated = [r.prompt for r in synthesized]
    index = len(synthesized)
    budget = config.max_attempts or 10 * config.count
    stats = Stats()
    rng = random.Random(config.seed)
    while index < config.count and stats.generated < budget:
        size = min(config.batch_size, budget - stats.generated)
        prompts, prefixes = [], []
        for _ in range(size):
            from_generated = min(config.generated_shots, len(generated))
            shots = rng.sample(generated, from_generated) + rng.sample(
                [r.prompt for r in seeds], min(config.shots - from_generated, len(seeds)))
            rng.shuffle(shots)
            prompts.append(few_shot_prompt(shots))
            prefixes.append(f"Task {len(shots) + 1}:")
        params = SamplingParams(config.temperature, config.top_p, config.max_new_tokens,
                                (config.seed + stats.generated) % 2**32)
        outputs = backend.generate(prompts, 1, params, prefixes)
        stats.generated += len(outputs)
        candidates = []
        for (completion,) in outputs:
            text = clean(completion.text)
            # Cut off by the length limit before the task's paragraph ended: the task is cut too.
            truncated = completion.finish_reason == "length" and "\n" not in completion.text.strip()
            if not config.min_chars <= len(text) <= config.max_chars or truncated or _ECHO.search(text):
                stats.invalid += 1
            elif normalise(text) in seen:
                stats.exact_duplicates += 1
            else:
                candidates.append(text)
        kept: list[dict] = []
        # One embedding pass per batch; each candidate is compared with everything seen,
        # including the candidates of this batch kept before it.
        for text, vector in zip(candidates, embedder.encode(candidates) if candidates else []):
            if index >= config.count:
                break
            norm = normalise(text)
            if norm in seen:  # an exact duplicate of a candidate kept earlier in this batch
                stats.exact_duplicates += 1
                continue
            similarity = vectors @ vector
            nearest = int(similarity.argmax())
            if float(similarity[nearest]) >= config.similarity_threshold:
                stats.near_duplicates += 1
                continue
            seen.add(norm)
            vectors = _append(vectors, vector.unsqueeze(0))
            key = f"syn-{index + 1:05d}"
            kept.append({"key": key, "prompt": text, "category": "synthesized", "model": backend.name,
                         "nearest_key": pool_keys[nearest], "nearest_similarity": round(float(similarity[nearest]), 4)})
            pool_keys.append(key)
            generated.append(text)
            index += 1
            stats.kept += 1
        yield kept, stats


def _append(vectors, vector):
    import torch

    return torch.cat([vectors, vector])
