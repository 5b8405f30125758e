"""A feedback run's events become rows (webapp/feedback/ingest.py), tested with canned events:
no worker, no model, milliseconds. A few end-to-end worker tests (tests/workers) run the real
child."""

import pytest

from webapp.feedback.ingest import ingest, pending, summary
from webapp.feedback.models import Judgment, PreferencePair, Revision
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(pair_run, make_user):
    prompts = [Prompt.objects.create(prompt_set=pair_run["set"], key=f"p{i}", text=f"Question {i}?") for i in range(3)]

    def make(method: str) -> tuple[Job, list[Prompt]]:
        job = Job.objects.create(kind="feedback", status="running", constitution_version=pair_run["version"],
                                 config={"method": method, "judge_model": "judge", "prompt_set": pair_run["set"].pk,
                                         "limit": None})
        return job, prompts

    return make


def judgment(principle: str, order: int, p_first: float, negated: bool = False) -> dict:
    return {"principle_key": principle, "negated": negated, "order": order, "p_a": p_first if order == 1 else 1 - p_first,
            "p_first": p_first, "rationale": "", "latency_ms": 3.0}


def pairwise_record(prompt: Prompt, p1: float, p2: float, key: str | None = None) -> dict:
    mean = (p1 + p2) / 2
    return {"key": key or str(prompt.pk), "pair_key": str(prompt.pk), "chosen": "Good answer.", "rejected": "Bad.",
            "soft_label": max(mean, 1 - mean), "margin": abs(2 * mean - 1), "tie": (p1 >= 0.5) != (p2 >= 0.5),
            "principles": ["helpful"], "negated": [], "judgments": [judgment("helpful", 1, p1), judgment("helpful", 2, p2)]}


def sample(prompt: Prompt, index: int) -> dict:
    return {"key": str(prompt.pk), "sample_index": index, "text": f"answer {index}", "finish_reason": "stop",
            "completion_tokens": 2, "model": "policy", "params": {"temperature": 0.7, "top_p": 0.9, "max_new_tokens": 8,
                                                                    "seed": 1}}


def test_samples_and_pairwise_records_become_rows_with_their_filter_columns(run):
    job, prompts = run("rl_cai")
    ingest(job, {"event": "records", "stage": "samples", "items": [sample(p, i) for p in prompts[:2] for i in (0, 1)]})
    ingest(job, {"event": "records", "stage": "rl_cai",
                 "items": [pairwise_record(prompts[0], 0.8, 0.7), pairwise_record(prompts[1], 0.8, 0.3)]})
    assert Response.objects.filter(job=job).count() == 4
    decided, tie = PreferencePair.objects.filter(job=job).order_by("prompt_id")
    assert (decided.tie, decided.order_disagreement, tie.tie, tie.order_disagreement) == (False, False, True, True)
    assert decided.length_diff == len("Good answer.") - len("Bad.")
    assert decided.constitution_version_id == job.constitution_version_id
    assert Judgment.objects.filter(job=job).count() == 4
    assert summary(job) | {"prompts": 3} == {"prompts": 3, "pairs": 1, "ties": 1, "judgments": 4, "revisions": 0}


def test_a_record_sent_again_after_a_crash_is_not_stored_twice(run):
    job, prompts = run("salmon")
    event = {"event": "records", "stage": "salmon", "items": [pairwise_record(prompts[0], 0.9, 0.8, key="x:helpful")]}
    ingest(job, event)
    ingest(job, event)
    assert PreferencePair.objects.filter(job=job).count() == 1 and Judgment.objects.filter(job=job).count() == 2


def test_pending_skips_judged_prompts_and_hands_back_stored_samples(run):
    job, prompts = run("rl_cai")
    ingest(job, {"event": "records", "stage": "samples", "items": [sample(prompts[1], 0), sample(prompts[1], 1)]})
    ingest(job, {"event": "records", "stage": "rl_cai", "items": [pairwise_record(prompts[0], 0.9, 0.8)]})
    remaining, done = pending(job)
    assert done == 1
    assert [(p.key, samples) for p, samples in remaining] == [("p1", ["answer 0", "answer 1"]), ("p2", [])]


def test_pointwise_records_keep_every_judgment_and_drop_tied_pairs(run):
    job, prompts = run("self_rewarding")
    responses = [{"index": i, "text": t, "score": s, "judgments": [
        {"raw": "Score: 4" if s else "no score", "score": s, "parse_status": "ok" if s else "no_score", "latency_ms": 1}]}
        for i, (t, s) in enumerate([("long answer", 4.0), ("short", None)])]
    decided = {"key": str(prompts[0].pk), "rubric": "additive", "responses": responses, "tie": False,
               "chosen": "long answer", "rejected": "short", "chosen_score": 4.0, "rejected_score": 1.0, "margin": 3.0}
    tied = {"key": str(prompts[1].pk), "rubric": "additive", "responses": responses, "tie": True}
    ingest(job, {"event": "records", "stage": "self_rewarding", "items": [decided, tied]})
    assert PreferencePair.objects.filter(job=job).count() == 1
    statuses = sorted(Judgment.objects.filter(job=job).values_list("parse_status", flat=True))
    assert statuses == ["no_score", "no_score", "ok", "ok"]


def test_critique_revision_chains_become_a_revision_and_a_pair(run):
    job, prompts = run("sl_cai")
    chain = [{"round": 1, "principle": "harm", "critique": "c", "revision": "better"}]
    ingest(job, {"event": "records", "stage": "sl_cai", "items": [
        {"key": str(prompts[0].pk), "original": "worse", "revision": "better", "chain": chain}]})
    pair = PreferencePair.objects.get(job=job)
    assert (pair.chosen, pair.rejected, pair.principles) == ("better", "worse", ["harm"])
    assert Revision.objects.get(job=job).chain == chain


def test_other_events_are_not_the_ingests_business(run):
    job, _ = run("rl_cai")
    ingest(job, {"event": "summary", "anything": 1})
    assert not PreferencePair.objects.exists()


@pytest.mark.django_db
def test_a_run_without_pairs_says_why_on_its_page(client_as, pair_run, make_pair):
    from webapp.feedback.models import Judgment
    from webapp.prompts.models import Prompt

    job, prompt = pair_run["job"], Prompt.objects.create(prompt_set=pair_run["set"], key="q", text="Q?")
    Judgment.objects.bulk_create([Judgment(job=job, prompt=prompt, key=f"q:{r}:0", judge_model="m",
                                           constitution_version=pair_run["version"], principle_key="rubric",
                                           response_index=r, parse_status="no_score", raw="no score here",
                                           latency_ms=1) for r in range(3)])
    client = client_as("viewer")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "No pair came out: 3 of 3 rubric scores did not parse" in page
    make_pair(tie=True, job=job)
    make_pair(margin=0.6, job=job)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "1 pair, 1 tie (tie rate 0.50), mean margin 0.600; 3 judgments, 3 of 3 scores unparsed" in page
    assert "No pair came out" not in page and f"/pairs/?run={job.pk}" in page
