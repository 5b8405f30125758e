"""The vLLM generation backend (GPU workers only; vllm is imported when one is built).

Judge verdicts are scored from the generated token's logprobs, not from prompt logprobs:
prompt logprobs bypass vLLM's prefix cache, while a one-token generation restricted to the
candidates reuses the cached head that every judge prompt of a principle shares.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from alignment.errors import TransientError, UserError
from alignment.generation import Completion, SamplingParams, chat_text, single_token_ids


class VLLMBackend:
    def __init__(self, model_path: Path) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise UserError("the vllm backend needs vLLM: pip install -r requirements-gpu.txt on a GPU worker") from exc
        self._vllm = vllm
        self.name = model_path.name
        try:
            self.llm = vllm.LLM(
                model=str(model_path), dtype="bfloat16", trust_remote_code=False, enable_prefix_caching=True,
                # "processed" logprobs come after the allowed-token whitelist, so both verdict
                # tokens are always among those returned (raw ones may fall outside the top k).
                logprobs_mode="processed_logprobs",
                gpu_memory_utilization=float(os.environ.get("CHARTER_VLLM_GPU_MEMORY", "0.45")),
                # A worker that holds several GPUs may split a large model across them (tensor
                # parallelism); the model's attention heads must divide by it, so it is opt-in.
                tensor_parallel_size=int(os.environ.get("CHARTER_VLLM_TENSOR_PARALLEL", "1")),
            )
        except (OSError, ValueError) as exc:
            raise UserError(f"vLLM cannot load {model_path}: {exc}") from exc
        self.tokenizer = self.llm.get_tokenizer()

    def chat_ids(self, prompt: str, prefix: str = "") -> list[int]:
        return self.tokenizer.encode(chat_text(self.tokenizer, prompt, prefix), add_special_tokens=False)

    def _run(self, prompts: list[dict], params: list) -> list:
        try:
            return self.llm.generate(prompts, params, use_tqdm=False)
        except RuntimeError as exc:
            if "out of memory" in str(exc).lower():
                raise TransientError(f"out of memory in vLLM: {exc}") from exc
            raise

    def generate(
        self, prompts: Sequence[str], n: int, params: SamplingParams, prefixes: Sequence[str] | None = None
    ) -> list[list[Completion]]:
        inputs = [{"prompt_token_ids": self.chat_ids(p, prefix)} for p, prefix in zip(prompts, prefixes or [""] * len(prompts))]
        # One seed per prompt, derived from the batch seed, so results do not depend on batching.
        sampling = [
            self._vllm.SamplingParams(n=n, temperature=params.temperature, top_p=params.top_p if params.temperature > 0 else 1.0,
                                      max_tokens=params.max_new_tokens, seed=(params.seed + i) % 2**32)
            for i in range(len(inputs))
        ]
        return [
            [Completion(o.text.strip(), "length" if o.finish_reason == "length" else "stop", len(o.token_ids))
             for o in out.outputs]
            for out in self._run(inputs, sampling)
        ]

    def next_token_logprobs(
        self, prompts: Sequence[str], prefixes: Sequence[str], candidates: Sequence[str], share_prefix: bool = True
    ) -> list[list[float]]:
        """Log-probabilities of the candidates, renormalised over the candidates (callers use
        only their ratios). share_prefix is vLLM's automatic prefix caching here."""
        ids = single_token_ids(self.tokenizer, candidates)
        params = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, logprobs=len(ids), allowed_token_ids=ids)
        inputs = [{"prompt_token_ids": self.chat_ids(p, prefix)} for p, prefix in zip(prompts, prefixes)]
        rows = []
        for out in self._run(inputs, [params] * len(inputs)):
            top = out.outputs[0].logprobs[0]
            rows.append([top[i].logprob if i in top else -math.inf for i in ids])
        return rows

