"""GPU checks, run on a GPU machine with `pytest -m gpu` (deselected by default)."""

import pytest

from alignment.generation import SamplingParams, TransformersBackend
from alignment.model_folders import resolve_model

pytestmark = pytest.mark.gpu


def test_the_default_model_samples_in_bf16_on_the_gpu():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.fail("-m gpu was asked for, but no CUDA device is visible")
    backend = TransformersBackend(resolve_model("smollm2-135m-instruct"))
    assert backend.device == "cuda" and backend.model.dtype == torch.bfloat16
    out = backend.generate(["Say hello.", "Name a tree."], 2, SamplingParams(max_new_tokens=8))
    assert [len(row) for row in out] == [2, 2] and all(c.text for row in out for c in row)


def test_vllm_judges_like_transformers_and_samples():
    pytest.importorskip("vllm")
    from alignment import judge_prompts
    from alignment.vllm_backend import VLLMBackend

    path = resolve_model("smollm2-135m-instruct")
    prompts = [f"Question: is {n} even?\n(A) yes\n(B) no" for n in (2, 3, 10)]
    prefixes = [judge_prompts.ANSWER_PREFIX] * 3
    reference = TransformersBackend(path).next_token_logprobs(prompts, prefixes, ["A", "B"])
    vllm_backend = VLLMBackend(path)
    scored = vllm_backend.next_token_logprobs(prompts, prefixes, ["A", "B"])

    def p_a(row):
        import math

        a, b = (math.exp(x) for x in row)
        return a / (a + b)

    assert all(abs(p_a(r) - p_a(s)) < 0.05 for r, s in zip(reference, scored))  # bf16 vs bf16, different kernels
    out = vllm_backend.generate(["Say hello."], 3, SamplingParams(max_new_tokens=8, seed=1))
    assert len(out[0]) == 3 and all(c.text for c in out[0])


def test_dpo_trains_in_bf16_on_the_gpu_and_reports_gpu_memory(tmp_path):
    import json

    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.fail("-m gpu was asked for, but no CUDA device is visible")
    from alignment.training.config import TrainConfig
    from alignment.training.run import train

    row = {"prompt": [{"role": "user", "content": "Name a colour."}],
           "chosen": [{"role": "assistant", "content": "Blue."}], "rejected": [{"role": "assistant", "content": "No."}]}
    data = tmp_path / "pairs.jsonl"
    data.write_text((json.dumps(row) + "\n") * 2)
    seen = []
    summary = train(TrainConfig(method="dpo", dataset=str(data), output=str(tmp_path / "run"), device="gpu",
                                max_steps=2, batch_size=2, max_length=64, save_steps=100),
                    lambda event, **payload: seen.append({"event": event, **payload}))
    metrics = [e["values"] for e in seen if e["event"] == "metric"]
    assert summary["global_step"] == 2 and any("rewards/margins" in m for m in metrics)
    assert 0 < max(m["memory_mb"] for m in metrics) < 78 * 1024  # torch.cuda.max_memory_allocated, in MiB


def test_grpo_generates_its_rollouts_with_colocated_vllm(tmp_path):
    pytest.importorskip("vllm")
    import json

    from alignment.training.config import TrainConfig
    from alignment.training.run import train

    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"Name a fruit ({i})."}) + "\n" for i in range(8)))
    from pathlib import Path

    rubric = str(Path(__file__).resolve().parents[2] / "principles" / "self-rewarding-rubric.yaml")
    seen = []
    summary = train(TrainConfig(method="grpo", dataset=str(data), output=str(tmp_path / "run"), device="gpu", vllm=True,
                                reward_judge="smollm2-135m-instruct", constitution=rubric, max_steps=2, batch_size=4,
                                num_generations=4, max_completion_length=16, save_steps=100),
                    lambda event, **payload: seen.append((event, payload)))
    assert summary["global_step"] == 2
    assert any(e == "metric" and "reward" in p["values"] for e, p in seen)
