"""GPU checks, run on a GPU machine with `pytest -m gpu` (deselected by default)."""

import pytest

from alignment.generation import SamplingParams, TransformersBackend
from alignment.models import resolve_model

pytestmark = pytest.mark.gpu


def test_the_default_model_samples_in_bf16_on_the_gpu():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.fail("-m gpu was asked for, but no CUDA device is visible")
    backend = TransformersBackend(resolve_model("smollm2-135m-instruct"))
    assert backend.device == "cuda" and backend.model.dtype == torch.bfloat16
    out = backend.generate(["Say hello.", "Name a tree."], 2, SamplingParams(max_new_tokens=8))
    assert [len(row) for row in out] == [2, 2] and all(c.text for row in out for c in row)
