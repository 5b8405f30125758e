"""The Celery app, cookiecutter-django style: it lives in the web project so the web process can
send a job id by task name without importing the workers (or torch). Workers start it as
`celery -A workers.app`, which also registers the tasks."""

from __future__ import annotations

from celery import Celery
from django.conf import settings

app = Celery("charter")
app.conf.update(
    broker_url=settings.CELERY_BROKER_URL,
    broker_connection_retry_on_startup=True,
    task_default_queue="default",
    # The job row is the guarantee; acks_late only makes broker redelivery a convenience.
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    # A launch while the broker is down must answer at once: publish gives up quickly and the
    # job row waits for the reaper (webapp/jobs/engine.py).
    broker_connection_timeout=2,
    task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5},
    beat_schedule={
        "reap-stale-jobs": {
            "task": "workers.reap_jobs",
            "schedule": float(settings.JOB_REAP_EVERY_SECONDS),
            "options": {"queue": "default", "expires": float(settings.JOB_REAP_EVERY_SECONDS)},
        }
    },
)
RUN_JOB = "workers.run_job"  # the task a worker registers (workers/tasks.py)
