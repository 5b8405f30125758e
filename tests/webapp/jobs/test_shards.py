"""Sharded runs on real workers: a feedback run split into 2 shards that two workers pick up; the
run sums their progress, merges their pairs without duplicates, ends when both have, and cancel
and retry act per shard."""

import pytest

from tests.conftest import job_status, wait_for
from webapp.feedback.models import PreferencePair
from webapp.feedback.services import launch_feedback
from webapp.jobs import services
from webapp.jobs.models import Job
from webapp.jobs.selectors import job_state
from webapp.prompts.models import Response
from webapp.prompts.services import launch_sampling

SMALL = {"max_new_tokens": 6, "batch_size": 2}


@pytest.mark.django_db(transaction=True)
def test_a_sharded_feedback_run_merges_its_shards_pairs_once_each(start_worker, small_set, make_user):
    from pathlib import Path

    from alignment.constitution import from_yaml
    from webapp.constitutions import services as constitutions

    start_worker(), start_worker(beat=False)  # two workers, each may take a shard
    hhh = Path(__file__).resolve().parents[3] / "principles" / "hhh-comparison.yaml"
    version = constitutions.create(make_user("editor", "hhh-author"), from_yaml(hhh.read_bytes())).head
    run = launch_feedback(make_user("operator"), small_set, version, {"method": "rl_cai", **SMALL}, shards=2)
    shards = list(run.shards.order_by("shard"))
    assert [s.shard for s in shards] == [0, 1] and run.status == "running" and run.config["shards"] == 2
    wait_for(lambda: job_status(run.pk) in ("succeeded", "failed"), timeout=400, message="both shards")
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    pairs = PreferencePair.objects.filter(job=run)
    assert pairs.count() == run.result["pairs"] + run.result["ties"] == 4  # 4 prompts, each judged once
    assert set(run.shards.values_list("status", flat=True)) == {"succeeded"}
    assert len(set(pairs.values_list("prompt_id", flat=True))) == 4
    assert not PreferencePair.objects.filter(job__in=shards).exists()  # all of it went to the run
    state = job_state(run)
    assert state["progress_done"] == state["progress_total"] == 4 and len(state["shards"]) == 2


@pytest.mark.django_db
def test_cancel_and_retry_act_on_each_shard(small_set, make_user):
    operator = make_user("operator")
    run = launch_sampling(operator, small_set, {"n": 1, **SMALL}, shards=3)  # no worker: the shards stay queued
    services.cancel(run, operator)
    run.refresh_from_db()
    assert run.status == "cancelled" and set(run.shards.values_list("status", flat=True)) == {"cancelled"}
    services.retry(run, operator)
    run.refresh_from_db()
    assert run.status == "running" and set(run.shards.values_list("status", flat=True)) == {"queued"}
    with pytest.raises(Exception, match="shards must be between 2 and 64"):
        launch_sampling(operator, small_set, {"n": 1}, shards=65)
    assert not Response.objects.exists()
    assert Job.objects.filter(parent=run).count() == 3
