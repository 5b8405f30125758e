"""`make run` supervises what it starts: a killed worker's job runs again within seconds (its jobs
are released at once, not after their heartbeat goes stale), a killed Redis or scheduler comes
back, nothing is left behind, and its files are private to its user."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import ROOT, database_url
from tests.test_compose import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def wait(predicate, timeout: float, what: str, tail=lambda: ""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail()}")


def named(name: str, parent: psutil.Process):
    found = []
    for p in parent.children(recursive=True):
        try:
            if name in " ".join(p.cmdline()):
                found.append(p)
        except psutil.Error:  # gone, or a zombie about to be reaped
            pass
    return found


def test_make_run_restarts_what_dies_and_releases_a_dead_workers_jobs(tmp_path):
    from webapp.jobs.models import Job
    from webapp.prompts.models import PromptSet

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    # make run's processes share this test's database (SQLite file or PostgreSQL test database).
    env |= {"CHARTER_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1", "CHARTER_WORKER_CONCURRENCY": "1",
            "DATABASE_URL": database_url()}
    proc = subprocess.Popen([sys.executable, "manage.py", "charter_run", "--skip-model", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    try:
        wait(lambda: lines.append(proc.stdout.readline()) or any("log in as" in line for line in lines), 180,
             "make run to print the login", lambda: "".join(lines[-30:]))
        assert re.search(r"log in as \S+ / \S+\n", lines[-2] + lines[-1]), "the login comes last"
        assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.glob("*.sqlite3"))
        assert stat.S_IMODE((tmp_path / "admin-password.txt").stat().st_mode) == 0o600
        parent = psutil.Process(proc.pid)
        wait(lambda: named("celery", parent) and len(named(" worker", parent)) >= 1, 60, "the worker")

        # A sampling job long enough to be killed in the middle.
        from webapp.accounts.services import create_user
        from webapp.prompts.services import launch_sampling

        user, _ = create_user("supervised", "operator")
        job = launch_sampling(user, PromptSet.objects.get(name="Benign instructions"),
                              {"n": 1, "max_new_tokens": 64, "batch_size": 1}, limit=40)
        running = wait(lambda: Job.objects.filter(pk=job.pk, status="running").first(), 120, "the job to run")
        wait(lambda: Job.objects.get(pk=job.pk).progress_done >= 1, 180, "the first prompt")
        worker_pid = int(running.worker.rsplit(":", 1)[1])
        os.kill(worker_pid, signal.SIGKILL)
        killed = time.time()
        again = wait(lambda: Job.objects.filter(pk=job.pk, status="running", attempts=2).first(), 60,
                     "the job to run again")
        recovered = time.time() - killed
        # Released by make run as it saw the worker die, not by the reaper once the heartbeat went stale.
        assert "died; re-queued" in again.log and "stopped heartbeating" not in again.log, again.log
        print(json.dumps({"worker_killed_to_job_running_s": round(recovered, 1)}))

        import redis as redis_client

        embedded = redis_client.Redis(unix_socket_path=str(tmp_path / "redis.sock"))
        first = embedded.info()["process_id"]
        os.kill(first, signal.SIGKILL)

        def restarted():
            try:
                return embedded.info()["process_id"] != first
            except redis_client.ConnectionError:
                return False

        wait(restarted, 30, "redis to come back")
        beat = wait(lambda: named(" beat", parent), 30, "the scheduler")[0]
        beat.kill()
        wait(lambda: [b for b in named(" beat", parent) if b.pid != beat.pid], 60, "the scheduler to come back")
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)

    def left():
        return [p for p in psutil.process_iter(["cmdline", "status"])
                if str(tmp_path) in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]

    # The groups were sent SIGKILL before make run exited; give the kernel time to deliver it.
    wait(lambda: not left(), 30, "make run's processes to be gone", tail=lambda: str(left()))


def test_a_launch_while_the_broker_is_down_is_queued_and_sent_when_it_is_back(client_as, small_set, monkeypatch):
    from kombu.exceptions import OperationalError

    from webapp.celery_app import app
    from webapp.jobs.engine import reap
    from webapp.jobs.models import Job

    def unreachable(*args, **kwargs):  # what kombu raises when Redis refuses the connection
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as broker_down:
        broker_down.setattr(app, "send_task", unreachable)
        response = client_as("operator").post("/api/jobs/sample", json.dumps({"prompt_set": small_set.pk, "n": 1}),
                                              content_type="application/json")
    assert response.status_code == 200
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "queued" and job.enqueued_at is None and "broker is unreachable" in job.progress_message
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at.replace(year=2020))
    assert job.pk in reap()["resent"]
    sent = Job.objects.get(pk=job.pk)
    assert sent.enqueued_at is not None, sent.progress_message
