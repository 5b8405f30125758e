"""A real Celery worker process, a real Redis, the real default model."""

import os
import signal

import psutil
import pytest
from django.utils import timezone

from tests.conftest import job_status, wait_for
from webapp.jobs import services
from webapp.jobs.models import Job
from webapp.prompts.models import Response
from webapp.prompts.services import launch_sampling

pytestmark = pytest.mark.django_db(transaction=True)
TERMINAL = ("succeeded", "failed", "cancelled")


def params(**overrides):
    base = dict(model="smollm2-135m-instruct", n=2, temperature=0.7, top_p=0.9, max_new_tokens=12,
                seed=7, batch_size=2)
    return base | overrides


def finished(job_id, timeout=180):
    wait_for(lambda: job_status(job_id) in TERMINAL, timeout=timeout, message=f"job {job_id} to finish")
    return Job.objects.get(pk=job_id)


def sampler_children(worker):
    """The `python -m alignment sample` processes the worker started."""
    parent = psutil.Process(worker.proc.pid)
    return [p for p in parent.children(recursive=True) if "alignment" in " ".join(p.cmdline())]


def test_a_sampling_job_stores_n_real_responses_per_prompt(worker, small_set, make_user):
    job = launch_sampling(make_user("operator"), small_set, params())
    job = finished(job.pk)
    assert job.status == "succeeded", job.error
    rows = list(Response.objects.filter(job=job))
    assert len(rows) == 4 * 2
    assert {(r.prompt_id, r.sample_index) for r in rows} == {(p.id, i) for p in small_set.prompts.all() for i in (0, 1)}
    assert all(r.text.strip() for r in rows)
    assert {(r.temperature, r.top_p, r.max_new_tokens) for r in rows} == {(0.7, 0.9, 12)}
    assert job.progress_done == job.progress_total == 4
    assert job.result == {"responses": 8, "prompts": 4}


def test_cancel_stops_a_running_job_within_seconds(worker, long_set, make_user):
    job = launch_sampling(make_user("operator"), long_set, params(max_new_tokens=400, batch_size=1))
    wait_for(lambda: sampler_children(worker), timeout=60, message="the sampler child to start")
    asked = timezone.now()
    services.cancel(Job.objects.get(pk=job.pk))
    job = finished(job.pk, timeout=60)
    assert job.status == "cancelled"
    # Timed by the job's own end, not by this test's polling.
    assert (job.finished_at - asked).total_seconds() < 20
    wait_for(lambda: not sampler_children(worker), timeout=10, message="the child to be killed")


def test_a_killed_worker_job_is_requeued_and_finished_by_another_without_duplicates(start_worker, long_set, make_user):
    first = start_worker(beat=False)
    # Twelve prompts, so that "some but not all" is a wide window to kill the worker in.
    job = launch_sampling(make_user("operator"), long_set, params(batch_size=1, max_new_tokens=24))
    # Kill the worker after it stored some but not all responses.
    wait_for(lambda: Response.objects.filter(job_id=job.pk).exists(), timeout=120, message="first responses")
    first.kill9()
    assert job_status(job.pk) == "running"
    start_worker()  # a second worker, with the reaper's schedule
    job = finished(job.pk, timeout=240)
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    assert "stopped heartbeating" in job.log
    assert Response.objects.filter(job=job).count() == 24  # no duplicates, none missing


def test_a_crashed_child_is_a_failed_attempt_with_its_log_tail_then_retried(worker, small_set, make_user):
    job = launch_sampling(make_user("operator"), small_set, params(batch_size=1, max_new_tokens=200))
    child = wait_for(lambda: sampler_children(worker), timeout=60, message="the sampler child")[0]
    wait_for(lambda: "attempt 1" in Job.objects.get(pk=job.pk).log, timeout=10, message="log flush")
    os.kill(child.pid, signal.SIGKILL)
    wait_for(lambda: Job.objects.get(pk=job.pk).attempts == 2 or job_status(job.pk) in TERMINAL,
             timeout=60, message="the retry")
    job = finished(job.pk, timeout=300)
    assert job.status == "succeeded", job.error
    assert "attempt 1 failed: child process was killed (SIGKILL; without a cancel that is most often the kernel's " \
           "out-of-memory killer); last log lines:" in job.log
    assert "retrying in" in job.log
    assert Response.objects.filter(job=job).count() == 8


def test_a_user_error_fails_at_once_without_retry(worker, small_set, make_user, tmp_path, settings):
    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"not a safetensors file")
    job = launch_sampling(make_user("operator"), small_set, params(model=str(model)))
    job = finished(job.pk, timeout=120)
    assert job.status == "failed"
    assert job.attempts == 1
    assert "cannot load model" in job.error


def test_the_worker_check_reports_what_the_worker_runs_on(worker, client_as):
    client = client_as("operator")
    response = client.post("/jobs/check/", {"queue": "default"})
    job = Job.objects.get(kind="check")
    assert response["Location"] == f"/jobs/{job.pk}/"
    job = finished(job.pk, timeout=60)
    assert job.status == "succeeded", job.error
    assert job.result["torch"].startswith("2.13.0")
    assert job.result["torch_threads"] == 1
    assert job.result["default_model_ready"] is True


def launch_feedback_run(user, prompt_set, **overrides):
    from alignment.constitution import from_yaml
    from webapp.constitutions import services as constitutions
    from webapp.constitutions.shipped import PRINCIPLES_DIR
    from webapp.feedback.services import launch_feedback

    version = constitutions.create(user, from_yaml((PRINCIPLES_DIR / "hhh-comparison.yaml").read_bytes())).head
    run = dict(method="rl_cai", max_new_tokens=12, batch_size=2, seed=3) | overrides
    return launch_feedback(user, prompt_set, version, run)


def test_a_feedback_run_stores_pairs_and_judgments_in_both_orders(worker, small_set, make_user):
    from webapp.feedback.models import Judgment, PreferencePair

    job = launch_feedback_run(make_user("admin"), small_set)
    job = finished(job.pk, timeout=300)
    assert job.status == "succeeded", job.error
    pairs = PreferencePair.objects.filter(job=job)
    assert pairs.count() == 4
    assert Judgment.objects.filter(job=job).count() == 8
    for pair in pairs:
        judged = Judgment.objects.filter(job=job, prompt=pair.prompt).order_by("order")
        assert [j.order for j in judged] == [1, 2] and pair.constitution_version == job.constitution_version
        # The list's filter columns: one principle, so the orders disagree exactly on a tie.
        assert pair.order_disagreement == ((judged[0].p_first >= 0.5) != (judged[1].p_first >= 0.5)) == pair.tie
        assert pair.length_diff == len(pair.chosen) - len(pair.rejected)
    assert Response.objects.filter(job=job).count() == 8


def test_a_killed_feedback_run_resumes_without_duplicates(start_worker, small_set, make_user):
    from webapp.feedback.models import Judgment, PreferencePair

    first = start_worker(beat=False)
    job = launch_feedback_run(make_user("admin"), small_set, batch_size=1)
    wait_for(lambda: Response.objects.filter(job_id=job.pk).count() >= 2, timeout=180, message="first samples")
    first.kill9()
    start_worker()
    job = finished(job.pk, timeout=400)
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    assert Response.objects.filter(job=job).count() == 8
    assert PreferencePair.objects.filter(job=job).count() == 4
    assert Judgment.objects.filter(job=job).count() == 8
