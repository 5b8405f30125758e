"""Each feedback method end to end with the real default model, on a handful of prompts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alignment.constitution import from_yaml
from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig, run
from alignment.generation import load_backend
from alignment.model_folders import resolve_model
from alignment.records import PromptRecord

ROOT = Path(__file__).resolve().parents[3]
HHH = str(ROOT / "principles" / "hhh-comparison.yaml")
RUBRIC = str(ROOT / "principles" / "self-rewarding-rubric.yaml")
CRITIQUE = str(ROOT / "principles" / "harmlessness-critique-revision.yaml")
PROMPTS = [PromptRecord("egg", "How do I boil an egg?"), PromptRecord("lock", "How do I pick my neighbour's lock?")]


@pytest.fixture(scope="module")
def backend():
    return load_backend(resolve_model("smollm2-135m-instruct"))


def records(backend, **fields):
    config = FeedbackConfig(max_new_tokens=16, batch_size=4, **fields)
    out = [r for stage, batch in run(config, PROMPTS, backends=lambda name: backend) if stage == config.method for r in batch]
    return out


def test_rl_cai_labels_every_pair_in_both_orders_and_ties_disagreements(backend):
    out = records(backend, method="rl_cai", constitution=HHH, principles_per_pair=2)
    assert [r["pair_key"] for r in out] == ["egg", "lock"]
    for r in out:
        assert len(r["judgments"]) == 4 and sorted(j["order"] for j in r["judgments"]) == [1, 1, 2, 2]
        order1 = sum(j["p_first"] for j in r["judgments"] if j["order"] == 1) / 2
        order2 = sum(j["p_first"] for j in r["judgments"] if j["order"] == 2) / 2
        assert r["tie"] == ((order1 > 0.5) != (order2 > 0.5))
        assert r["p_first"] == pytest.approx((order1 + order2) / 2)
        assert {r["chosen"], r["rejected"]} and r["chosen"] != r["rejected"] or r["tie"]


def test_salmon_keeps_one_record_per_principle_and_always_asks_the_positive_question(backend):
    out = records(backend, method="salmon", constitution=HHH, principles_per_pair=2)
    assert len(out) == 4 and len({r["pair_key"] for r in out}) == 2
    for r in out:
        assert r["negated"] == [] and len(r["principles"]) == 1 and r["key"] == f"{r['pair_key']}:{r['principles'][0]}"
        for j in r["judgments"]:
            shown_first = j["p_a"] if j["order"] == 1 else 1 - j["p_a"]
            assert j["p_first"] == pytest.approx(shown_first) and j["negated"] is False


def test_a_run_samples_only_the_chosen_principles():
    from alignment.constitution import from_yaml as load
    from alignment.feedback.pairwise import Pair, PairwiseConfig, _plan

    principles = PairwiseConfig(principles="harmlessness, honesty-calibration").validate(load(Path(HHH).read_bytes()))
    plan = _plan([Pair(str(n), "p", "a", "b") for n in range(20)], principles, PairwiseConfig(principles_per_pair=1))
    assert {p.key for _, p in plan} == {"harmlessness", "honesty-calibration"}


def test_chain_of_thought_keeps_the_reasoning_and_clamps_the_label(backend):
    out = records(backend, method="rl_cai", constitution=HHH, chain_of_thought=True, cot_max_new_tokens=12)
    judgments = [j for r in out for j in r["judgments"]]
    assert all(0.4 <= j["p_first"] <= 0.6 for j in judgments)
    assert all(j["rationale"].strip() for j in judgments)


def test_self_rewarding_records_every_judgment_and_never_invents_a_score(backend):
    out = records(backend, method="self_rewarding", constitution=RUBRIC, n=3, judgments_per_response=2,
                  judge_max_new_tokens=24)
    for r in out:
        assert len(r["responses"]) == 3
        for response in r["responses"]:
            assert len(response["judgments"]) == 2
            for j in response["judgments"]:
                assert (j["score"] is None) == (j["parse_status"] != "ok")
        if not r["tie"]:
            assert r["chosen_score"] > r["rejected_score"]


def test_sl_cai_revises_under_sampled_principles_and_outputs_sft_records_and_pairs(backend):
    out = records(backend, method="sl_cai", constitution=CRITIQUE, rounds=2)
    keys = {p.key for p in from_yaml(Path(CRITIQUE).read_bytes()).principles}
    for r in out:
        assert [c["round"] for c in r["chain"]] == [1, 2] and all(c["principle"] in keys for c in r["chain"])
        assert r["sft"] == [{"prompt": r["prompt"], "completion": c["revision"], "round": c["round"]} for c in r["chain"]]
        assert r["sft"][-1]["completion"] == r["revision"]
        assert r["pair"]["chosen"] == r["revision"] and r["pair"]["rejected"] == r["original"]


class Spy:
    """The real backend, recording every request it is sent."""

    def __init__(self, real) -> None:
        self.real, self.sent = real, []

    def generate(self, prompts, n, params):
        self.sent += prompts
        return self.real.generate(prompts, n, params)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_sl_cai_sends_the_worked_examples_ahead_of_every_critique_and_revision(backend):
    spy = Spy(backend)
    config = FeedbackConfig(max_new_tokens=8, batch_size=4, method="sl_cai", constitution=CRITIQUE, rounds=1)
    list(run(config, PROMPTS, backends=lambda name: spy))
    examples = from_yaml(Path(CRITIQUE).read_bytes()).of_kind("preamble")[0].fields["critique_exemplars"]
    requests = [s for s in spy.sent if "Critique request:" in s]
    assert len(requests) == 4  # a critique and a revision for each of 2 prompts
    for request in requests:
        assert request.startswith("Below are conversations") and request.count("Revision: ") >= len(examples)
        assert all(ex["critique"] in request and ex["revision"] in request for ex in examples)


def test_the_rubric_constitutions_preamble_is_sent_to_the_judge(backend):
    spy = Spy(backend)
    preamble = from_yaml(Path(RUBRIC).read_bytes()).of_kind("preamble")[0].fields["preamble"]
    config = FeedbackConfig(max_new_tokens=8, batch_size=4, method="self_rewarding", constitution=RUBRIC, n=2,
                            judgments_per_response=1, judge_max_new_tokens=8)
    list(run(config, PROMPTS, backends=lambda name: spy))
    judged = [s for s in spy.sent if "Score: <total points>" in s]
    assert len(judged) == 4 and all(s.startswith(preamble) for s in judged)


@pytest.mark.parametrize("fields, message", [
    ({"method": "rl_cai", "constitution": RUBRIC}, "no enabled comparison principle"),
    ({"method": "self_rewarding", "constitution": HHH}, "no enabled rubric principle"),
    ({"method": "sl_cai", "constitution": HHH}, "no enabled critique/revision principle"),
    ({"method": "rl_cai", "constitution": HHH, "n": 3}, "exactly 2 responses"),
    ({"method": "salmon", "constitution": HHH, "principles_per_pair": 99}, "principles_per_pair must be"),
    ({"method": "salmon", "constitution": HHH, "principles": "harmlessness,nope"}, "nope not among the enabled"),
    ({"method": "rl_cai", "constitution": HHH, "principles": "harmlessness", "principles_per_pair": 2},
     "principles_per_pair must be between 1 and 1"),
    ({"method": "dpo", "constitution": HHH}, "method must be one of"),
    ({"method": "rl_cai", "constitution": "/no/such.yaml"}, "cannot read constitution"),
])
def test_bad_configs_fail_before_any_model_loads(fields, message):
    with pytest.raises(UserError, match=message):
        FeedbackConfig(**fields).check()


def test_the_feedback_cli_runs_a_whole_pipeline_without_django(tmp_path):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"key": p.key, "prompt": p.prompt}) + "\n" for p in PROMPTS))
    config = tmp_path / "run.yaml"
    config.write_text(f"method: rl_cai\nconstitution: {HHH}\nprompts: {prompts}\noutput: {tmp_path / 'out.jsonl'}\n"
                      "max_new_tokens: 12\n")
    code = ("import sys; from alignment.__main__ import main; rc = main(sys.argv[1:]);"
            "assert not any(m.startswith('django') for m in sys.modules); sys.exit(rc)")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "CHARTER_MODELS_DIR": str(resolve_model("smollm2-135m-instruct").parent)}
    result = subprocess.run([sys.executable, "-c", code, "feedback", "--config", str(config)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["pair_key"] for r in rows] == ["egg", "lock"] and all("p_first" in r for r in rows)


def test_sharing_the_judge_prompts_head_gives_the_same_logprobs(backend):
    from alignment import judge_prompts

    doc = from_yaml(Path(HHH).read_bytes())
    preamble, principles = doc.of_kind("preamble")[0], doc.of_kind("comparison")
    prompts = [judge_prompts.pairwise_prompt(principles[i], f"Question {i}?", "Yes. " * (i + 1), "No.", preamble)
               for i in range(3)]
    prefixes = [judge_prompts.ANSWER_PREFIX] * 3
    plain = backend.next_token_logprobs(prompts, prefixes, ["A", "B"], share_prefix=False)
    shared = backend.next_token_logprobs(prompts, prefixes, ["A", "B"], share_prefix=True)
    assert [x for row in shared for x in row] == pytest.approx([x for row in plain for x in row], abs=1e-3)
