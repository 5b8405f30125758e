"""The stall watchdog: a child that is alive but reports nothing for CHARTER_JOB_STALL_SECONDS
is stopped by the job's own heartbeat, and the attempt fails as a crash would (then retried)."""

import sys

import pytest

from webapp.jobs import engine
from webapp.jobs.models import Job
from workers.runner import WORKER_NAME, ChildCrashed, Heartbeat, JobContext

QUIET_CHILD = ("import json, time; print(json.dumps({'event': 'progress', 'done': 0, 'total': 1, 'message': 'loading'}),"
               " flush=True); time.sleep(120)")
BUSY_CHILD = ("import json, time\nfor i in range(8):\n    print(json.dumps({'event': 'progress', 'done': i, 'total': 8}),"
              " flush=True)\n    time.sleep(0.5)")


@pytest.fixture
def claimed(transactional_db, settings):
    """A claimed job's context with its heartbeat running: beats every second, stall after 2 s."""
    settings.JOB_HEARTBEAT_SECONDS, settings.JOB_STALL_SECONDS = 1, 2
    job = Job.objects.create(kind="check", queue="default")
    ctx = JobContext(job, engine.claim(job.pk, WORKER_NAME))
    beat = Heartbeat(ctx)
    beat.start()
    yield ctx
    beat.stop()


def test_a_child_that_stops_reporting_is_stopped_and_the_attempt_fails_visibly(claimed):
    seen = []
    with pytest.raises(ChildCrashed, match="reported no progress for 2 s and was stopped"):
        claimed.run_child([sys.executable, "-c", QUIET_CHILD], seen.append)
    assert [e["event"] for e in seen] == ["progress"]  # it did report once, then nothing
    assert any("CHARTER_JOB_STALL_SECONDS" in line for line in claimed.tail)
    assert engine.fail_attempt(claimed.job.pk, claimed.lease, "stalled")  # retried, as a crash is
    assert Job.objects.get(pk=claimed.job.pk).status == "queued"


def test_a_child_that_keeps_reporting_is_left_alone(claimed):
    claimed.run_child([sys.executable, "-c", BUSY_CHILD], lambda event: None)  # 4 s in all, never 2 s quiet
    assert not claimed.stalled
