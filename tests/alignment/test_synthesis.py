"""Self-instruct prompt synthesis: cleaning, the duplicate filters and resuming, then the real
default model end to end through the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.embeddings import Embedder
from alignment.errors import UserError
from alignment.generation import Completion
from alignment.model_folders import resolve_model
from alignment.records import PromptRecord
from alignment.synthesis import SynthesisConfig, clean, few_shot_prompt, normalise, synthesize

ROOT = Path(__file__).resolve().parents[2]
SEEDS = [PromptRecord("s1", "Write a haiku about autumn leaves."),
         PromptRecord("s2", "Explain how a bicycle gear system works."),
         PromptRecord("s3", "Give me three tips for a job interview.")]


class Scripted:
    """Stands in for the generating model only: the filters under test see exactly these texts."""

    name = "scripted"

    def __init__(self, texts):
        self.texts = list(texts)
        self.prompts = []

    def generate(self, prompts, n, params, prefixes=None):
        self.prompts.extend(prompts)
        return [[Completion(self.texts.pop(0), "stop", 10)] for _ in prompts]


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


def test_clean_drops_the_task_label_quotes_and_a_second_task():
    assert clean('Task 9: "Plan a week of vegetarian dinners."') == "Plan a week of vegetarian dinners."
    assert clean("9. Name three rivers in Africa.\n10. Name three lakes.") == "Name three rivers in Africa."
    assert clean("Summarise the plot of Hamlet.\n\nHere is another idea") == "Summarise the plot of Hamlet."


def test_normalise_ignores_case_spacing_and_punctuation():
    assert normalise("Write a  haiku, about AUTUMN leaves!") == normalise("write a haiku about autumn leaves")


def test_the_few_shot_prompt_numbers_the_examples_and_asks_for_the_next():
    text = few_shot_prompt(["A?", "B?"])
    assert "Task 1: A?\nTask 2: B?" in text and "Write task 3" in text


def test_exact_and_near_duplicates_and_echoes_are_dropped_and_the_rest_kept(embedder):
    backend = Scripted([
        "write a HAIKU about autumn leaves",                      # exact duplicate of s1 once normalised
        "Compose a haiku about the leaves of autumn.",            # near duplicate of s1
        "Write one new task that is different from all of the tasks above.",  # echoes the instruction
        "Hi",                                                     # too short
        "List the planets of the solar system in order.",         # new
        "List the planets in our solar system, in order.",        # near duplicate of the one just kept
        "What is a good recipe for lentil soup?",                 # new
    ])
    config = SynthesisConfig(count=2, batch_size=7, similarity_threshold=0.85, shots=2, generated_shots=0)
    batches = list(synthesize(backend, embedder, SEEDS, config))
    kept = [r for records, _ in batches for r in records]
    stats = batches[-1][1]
    assert [r["prompt"] for r in kept] == ["List the planets of the solar system in order.",
                                          "What is a good recipe for lentil soup?"]
    assert [r["key"] for r in kept] == ["syn-00001", "syn-00002"]
    assert (stats.generated, stats.kept, stats.exact_duplicates, stats.near_duplicates, stats.invalid) == (7, 2, 1, 2, 2)
    assert kept[0]["nearest_similarity"] < 0.85


def test_a_resumed_run_continues_the_keys_and_never_repeats_earlier_outputs(embedder):
    earlier = [PromptRecord("syn-00001", "List the planets of the solar system in order.")]
    backend = Scripted(["List the planets of the solar system in order!", "Describe how tides are caused."])
    config = SynthesisConfig(count=2, batch_size=2, shots=2, generated_shots=1)
    kept = [r for records, _ in synthesize(backend, embedder, SEEDS, config, earlier) for r in records]
    assert [(r["key"], r["prompt"]) for r in kept] == [("syn-00002", "Describe how tides are caused.")]
    assert all("List the planets" in p for p in backend.prompts)  # one shot comes from the generated pool


def test_it_stops_when_the_attempt_budget_is_spent(embedder):
    backend = Scripted(["Write a haiku about autumn leaves."] * 4)
    stats = list(synthesize(backend, embedder, SEEDS, SynthesisConfig(count=3, max_attempts=4, batch_size=2)))[-1][1]
    assert (stats.generated, stats.kept) == (4, 0)


@pytest.mark.parametrize("overrides, message", [
    ({"count": 0}, "count must be"), ({"generated_shots": 9}, "generated_shots"),
    ({"similarity_threshold": 0}, "similarity_threshold"), ({"min_chars": 50, "max_chars": 10}, "min_chars"),
])
def test_absurd_settings_are_refused(overrides, message):
    with pytest.raises(UserError, match=message):
        SynthesisConfig(**overrides).validate()


def test_the_cli_writes_new_prompts_with_the_real_model_and_no_django(tmp_path):
    # A realistic seed set: with only a handful of seeds a 135M model mostly copies them.
    seeds = tmp_path / "seeds.jsonl"
    benign = (ROOT / "data" / "prompt_sets" / "benign-instructions.jsonl").read_text().splitlines()[::10]
    seeds.write_text("\n".join(benign) + "\n")
    out = tmp_path / "new.jsonl"
    code = ("import sys; from alignment.__main__ import main; rc = main(sys.argv[1:]);"
            "assert not any(m.startswith('django') for m in sys.modules); sys.exit(rc)")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "CHARTER_MODELS_DIR": str(resolve_model("smollm2-135m-instruct").parent)}
    done = subprocess.run([sys.executable, "-c", code, "synthesize", "--set", f"seeds={seeds}", "--set", "count=2",
                           "--set", "max_new_tokens=48", "--set", "batch_size=4", "--set", f"output={out}"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert 1 <= len(records) <= 2  # the budget (10 x count) may end a run with fewer
    seen = {normalise(json.loads(line)["prompt"]) for line in benign}
    for record in records:
        assert record["prompt"].strip() and normalise(record["prompt"]) not in seen
        assert record["model"] == "smollm2-135m-instruct"
        seen.add(normalise(record["prompt"]))
