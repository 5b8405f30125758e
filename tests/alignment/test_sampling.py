"""The sampling library and CLI, with no Django anywhere."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.__main__ import load_config
from alignment.errors import UserError
from alignment.model_folders import resolve_model
from alignment.sampling import SampleConfig, batch_seed

ROOT = Path(__file__).resolve().parents[2]


def clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    return env | {"PYTHONPATH": str(ROOT)}


def test_a_batch_seed_depends_only_on_the_base_seed_and_first_prompt():
    assert batch_seed(7, "p1") == batch_seed(7, "p1")
    assert batch_seed(7, "p1") != batch_seed(8, "p1")
    assert batch_seed(7, "p1") != batch_seed(7, "p2")


@pytest.mark.parametrize(
    "field, value, message",
    [("n", 0, "n must be"), ("top_p", 0.0, "top_p"), ("temperature", -0.1, "temperature"),
     ("max_new_tokens", 0, "max_new_tokens"), ("batch_size", 0, "batch_size")],
)
def test_absurd_sampling_parameters_are_refused(field, value, message):
    with pytest.raises(UserError, match=message):
        SampleConfig(**{field: value}).validate()


def test_config_files_with_unknown_keys_or_wrong_types_are_refused(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("n: 2\ntemprature: 0.5\n")
    with pytest.raises(UserError, match="unknown config keys: temprature"):
        load_config(SampleConfig, str(path), [])
    with pytest.raises(UserError, match="n must be a whole number"):
        load_config(SampleConfig, None, ["n=two"])
    assert load_config(SampleConfig, None, ["temperature=1"]).temperature == 1.0


def test_model_names_cannot_escape_the_models_directory(tmp_path):
    with pytest.raises(UserError, match="may not contain"):
        resolve_model("../secrets", models_dir=tmp_path)
    with pytest.raises(UserError, match="not found"):
        resolve_model("missing", models_dir=tmp_path)


def test_a_hub_id_resolves_to_its_snapshot_in_the_local_hugging_face_cache(tmp_path, monkeypatch):
    from huggingface_hub import constants

    snapshot = tmp_path / "models--acme--tiny-chat" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    for f in resolve_model("smollm2-135m-instruct").iterdir():
        (snapshot / f.name).symlink_to(f)
    (tmp_path / "models--acme--tiny-chat" / "refs").mkdir()
    (tmp_path / "models--acme--tiny-chat" / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert resolve_model("acme/tiny-chat", models_dir=tmp_path / "none") == snapshot
    with pytest.raises(UserError, match="nor in the Hugging Face cache"):
        resolve_model("acme/not-downloaded", models_dir=tmp_path / "none")


def test_an_unknown_backend_is_refused_and_vllm_needs_vllm_installed(tmp_path):
    from alignment.generation import load_backend

    with pytest.raises(UserError, match="unknown generation backend"):
        load_backend(tmp_path, "onnx")
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(UserError, match="requirements-gpu.txt"):
            load_backend(tmp_path, "vllm")


def test_the_cli_samples_real_responses_without_django(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    rows = [{"key": "a", "prompt": "Say hi."}, {"key": "b", "prompt": "Name a tree."}]
    prompts.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out.jsonl"
    code = (
        "import sys; from alignment.__main__ import main; rc = main(sys.argv[1:]);"
        "assert not any(m.startswith('django') for m in sys.modules), 'django was imported'; sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "sample", "--set", f"prompts={prompts}", "--set", f"output={out}",
         "--set", "n=2", "--set", "max_new_tokens=8"],
        env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["key"], r["sample_index"]) for r in rows] == [("a", 0), ("a", 1), ("b", 0), ("b", 1)]
    assert all(r["text"] and r["params"]["max_new_tokens"] == 8 for r in rows)


def test_the_cli_reports_a_bad_prompts_file_clearly(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "no key"}\n')
    result = subprocess.run(
        [sys.executable, "-m", "alignment", "sample", "--set", f"prompts={bad}"],
        env=clean_env(), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "bad.jsonl line 1: expected a JSON object with 'key' and 'prompt'" in result.stderr
