"""The job state machine on a real database: claims, leases, backoff, the reaper."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import race
from webapp.jobs import engine, services
from webapp.jobs.engine import LeaseLost
from webapp.jobs.models import Job


def make_job(**fields):
    return Job.objects.create(kind="sample", config={}, **fields)


@pytest.mark.django_db(transaction=True)
def test_two_racing_claims_give_exactly_one_lease():
    job = make_job()
    leases = race(engine.claim, [(job.pk, "w0"), (job.pk, "w1")])
    assert sum(lease is not None for lease in leases) == 1
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 1


@pytest.mark.django_db
def test_a_cancelled_queued_job_cannot_be_claimed():
    job = make_job()
    services.cancel(job)
    assert engine.claim(job.pk, "w") is None
    assert Job.objects.get(pk=job.pk).status == "cancelled"


@pytest.mark.django_db
def test_a_worker_without_the_lease_cannot_write():
    job = make_job()
    engine.claim(job.pk, "w1")
    with pytest.raises(LeaseLost):
        engine.set_progress(job.pk, "00000000-0000-0000-0000-000000000000", 1, 2)
    with pytest.raises(LeaseLost):
        engine.heartbeat(job.pk, "00000000-0000-0000-0000-000000000000")


@pytest.mark.django_db
def test_heartbeat_reports_a_cancel_request_and_flushes_log_lines():
    job = make_job()
    lease = engine.claim(job.pk, "w1")
    assert engine.heartbeat(job.pk, lease, ["hello"]) is False
    services.cancel(job)
    assert engine.heartbeat(job.pk, lease, ["world"]) is True
    assert Job.objects.get(pk=job.pk).log == "hello\nworld\n"


@pytest.mark.django_db(transaction=True)
def test_a_transient_failure_is_requeued_with_exponential_backoff_then_fails(settings):
    settings.JOB_RETRY_BACKOFF_SECONDS = 10
    job = make_job(max_attempts=2)
    lease = engine.claim(job.pk, "w1")
    before = timezone.now()
    assert engine.fail_attempt(job.pk, lease, "device busy") is True
    after = timezone.now()
    job.refresh_from_db()
    assert job.status == "queued"
    assert before + timedelta(seconds=10) <= job.run_after <= after + timedelta(seconds=10)
    assert engine.claim(job.pk, "w1") is None  # not before the backoff has passed
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    lease = engine.claim(job.pk, "w1")
    assert engine.fail_attempt(job.pk, lease, "device busy") is False
    job.refresh_from_db()
    assert job.status == "failed" and "after 2 attempts" in job.error


@pytest.mark.django_db(transaction=True)
def test_the_reaper_requeues_a_job_whose_heartbeat_stopped(settings):
    job = make_job(max_attempts=3)
    engine.claim(job.pk, "dead-worker")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1))
    report = engine.reap()
    job.refresh_from_db()
    assert report["requeued"] == [job.pk]
    assert job.status == "queued" and job.lease is None and "dead-worker stopped heartbeating" in job.log


@pytest.mark.django_db(transaction=True)
def test_the_reaper_fails_a_stale_job_that_used_all_its_attempts(settings):
    job = make_job(max_attempts=1)
    engine.claim(job.pk, "dead-worker")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1))
    assert engine.reap()["failed"] == [job.pk]
    job.refresh_from_db()
    assert job.status == "failed" and "failed after 1 attempts" in job.error


@pytest.mark.django_db(transaction=True)
def test_the_reaper_leaves_a_live_job_alone():
    job = make_job()
    engine.claim(job.pk, "alive")
    assert engine.reap() == {"requeued": [], "failed": [], "resent": []}
    assert Job.objects.get(pk=job.pk).status == "running"


@pytest.mark.django_db(transaction=True)
def test_the_reaper_resends_a_queued_job_whose_message_was_lost(settings):
    job = make_job(enqueued_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 1))
    assert engine.reap()["resent"] == [job.pk]


@pytest.mark.django_db
def test_only_failed_or_cancelled_jobs_can_be_retried():
    job = make_job()
    with pytest.raises(services.JobStateError):
        services.retry(job)
    Job.objects.filter(pk=job.pk).update(status="failed", attempts=3, error="boom")
    job = services.retry(job)
    assert (job.status, job.attempts, job.error) == ("queued", 0, "")


@pytest.mark.django_db
def test_finished_jobs_cannot_be_cancelled():
    job = make_job(status="succeeded")
    with pytest.raises(services.JobStateError):
        services.cancel(job)
