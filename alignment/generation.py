"""Generation backends behind one small interface.

A backend does two things: sample completions for chat prompts, and score the probability
of given continuations. The transformers backend runs on CPU or GPU; a vLLM backend (GPU
only) plugs in behind the same interface.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from alignment.errors import TransientError, UserError


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" (end of turn) or "length" (hit max_new_tokens)
    completion_tokens: int


class Backend(Protocol):
    name: str

    def generate(
        self, prompts: Sequence[str], n: int, params: SamplingParams, prefixes: Sequence[str] | None = None
    ) -> list[list[Completion]]: ...

    def next_token_logprobs(
        self, prompts: Sequence[str], prefixes: Sequence[str], candidates: Sequence[str], share_prefix: bool = True
    ) -> list[list[float]]: ...


def configure_torch_threads() -> None:
    """Torch on small CPU machines is far faster with one thread per process."""
    import torch

    threads = int(os.environ.get("OMP_NUM_THREADS") or 1)
    torch.set_num_threads(max(1, threads))


class TransformersBackend:
    """Batched sampling with left padding and the model's chat template."""

    def __init__(self, model_path: Path, device: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        configure_torch_threads()
        self.name = model_path.name
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model_path, padding_side="left")
            self.model = AutoModelForCausalLM.from_pretrained(
                model_path, dtype=dtype, use_safetensors=True, trust_remote_code=False
            ).to(self.device)  # type: ignore[arg-type]  # transformers' stubs type .to() narrowly
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot load model from {model_path}: {exc}") from exc
        self.model.eval()
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def chat_text(self, prompt: str, prefix: str = "") -> str:
        return chat_text(self.tokenizer, prompt, prefix)

    def next_token_logprobs(
        self, prompts: Sequence[str], prefixes: Sequence[str], candidates: Sequence[str], share_prefix: bool = True
    ) -> list[list[float]]:
        """log P(candidate | prompt, assistant prefix) for single-token candidates, for a whole
        batch in one forward pass. Judge prompts share a long head (chat template, preamble,
        exemplars): with share_prefix it is encoded once and its KV cache reused by every row."""
        import torch

        ids = single_token_ids(self.tokenizer, candidates)
        texts = [self.chat_text(p, prefix) for p, prefix in zip(prompts, prefixes)]
        rows = [self.tokenizer.encode(t, add_special_tokens=False) for t in texts]
        shared = _common_prefix_length(rows) if share_prefix and len(rows) > 1 else 0
        try:
            with torch.inference_mode():
                logits = self._last_logits(rows, shared if shared >= 16 else 0)
        except torch.OutOfMemoryError as exc:
            raise TransientError(f"out of memory while scoring: {exc}") from exc
        return torch.log_softmax(logits.float(), dim=-1)[:, ids].tolist()

    def _last_logits(self, rows: list[list[int]], shared: int):
        """Logits after each row's last token. Suffixes are right-padded after the shared
        prefix, so every real token keeps its true position."""
        import torch

        pad = self.tokenizer.pad_token_id
        past = None
        if shared:
            head = torch.tensor([rows[0][:shared]], device=self.device)
            past = self.model(input_ids=head, use_cache=True).past_key_values
            past.batch_repeat_interleave(len(rows))
        tails = [r[shared:] for r in rows]
        width = max(len(t) for t in tails)
        input_ids = torch.tensor([t + [pad] * (width - len(t)) for t in tails], device=self.device)
        tail_mask = torch.tensor([[1] * len(t) + [0] * (width - len(t)) for t in tails], device=self.device)
        mask = torch.cat([torch.ones(len(rows), shared, dtype=tail_mask.dtype, device=self.device), tail_mask], dim=1)
        positions = (shared + torch.arange(width, device=self.device)).unsqueeze(0).expand(len(rows), -1)
        logits = self.model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                            past_key_values=past, use_cache=past is not None).logits
        last = torch.tensor([len(t) - 1 for t in tails], device=self.device)
        return logits[torch.arange(len(rows), device=self.device), last]

    def generate(
        self, prompts: Sequence[str], n: int, params: SamplingParams, prefixes: Sequence[str] | None = None
    ) -> list[list[Completion]]:
        import torch

        texts = [self.chat_text(p, prefix) for p, prefix in zip(prompts, prefixes or [""] * len(prompts))]
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.device)
        torch.manual_seed(params.seed)
        do_sample = params.temperature > 0
        try:
            with torch.inference_mode():
                out = self.model.generate(
                    **batch,
                    do_sample=do_sample,
                    temperature=params.temperature if do_sample else None,
                    top_p=params.top_p if do_sample else None,
                    top_k=None,
                    max_new_tokens=params.max_new_tokens,
                    num_return_sequences=n,
                    pad_token_id=self.tokenizer.pad_token_id,
                )
        except torch.OutOfMemoryError as exc:  # a smaller batch or a freer GPU may succeed
            raise TransientError(f"out of memory while sampling: {exc}") from exc
        new_tokens = out[:, batch["input_ids"].shape[1]:]
        eos = self.tokenizer.eos_token_id
        results: list[list[Completion]] = []
        for i in range(len(prompts)):
            row: list[Completion] = []
            for j in range(n):
                tokens = new_tokens[i * n + j].tolist()
                stopped = eos in tokens or self.tokenizer.pad_token_id in tokens
                length = next(
                    (k for k, t in enumerate(tokens) if t in (eos, self.tokenizer.pad_token_id)),
                    len(tokens),
                )
                text = str(self.tokenizer.decode(tokens[:length], skip_special_tokens=True)).strip()
                row.append(Completion(text, "stop" if stopped else "length", length))
            results.append(row)
        return results


def chat_text(tokenizer, prompt: str | Sequence[dict], prefix: str = "") -> str:
    """The user turn (or a whole conversation of {role, content} turns) in the model's chat
    template, and the start of the assistant's turn."""
    turns = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    return tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True) + prefix


def single_token_ids(tokenizer, candidates: Sequence[str]) -> list[int]:
    """The token id of each verdict candidate; a candidate the tokenizer splits cannot be scored
    from one next-token distribution."""
    ids = []
    for c in candidates:
        encoded = tokenizer.encode(c, add_special_tokens=False)
        if len(encoded) != 1:
            raise UserError(f"the judge's tokenizer splits {c!r} into {len(encoded)} tokens; it must be one")
        ids.append(encoded[0])
    return ids


def _common_prefix_length(rows: list[list[int]]) -> int:
    """Tokens every row starts with, leaving each row at least one token of its own."""
    limit = min(len(r) for r in rows) - 1
    n = 0
    while n < limit and all(r[n] == rows[0][n] for r in rows):
        n += 1
    return n


BACKENDS = ("auto", "transformers", "vllm")


def load_backend(model_path: Path, backend: str | None = None) -> Backend:
    """"auto" (the default, or CHARTER_BACKEND) takes vLLM where it is installed and a GPU is
    present, and transformers everywhere else."""
    backend = backend or os.environ.get("CHARTER_BACKEND") or "auto"
    if backend not in BACKENDS:
        raise UserError(f"unknown generation backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if backend == "auto":
        backend = "vllm" if _vllm_usable() else "transformers"
    if backend == "vllm":
        from alignment.vllm_backend import VLLMBackend

        return VLLMBackend(model_path)
    return TransformersBackend(model_path)


def _vllm_usable() -> bool:
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return False
    import torch

    return torch.cuda.is_available()
