"""The Celery app. Importing it is cheap (no torch), so the web process can enqueue."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

import django  # noqa: E402

django.setup()

from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402

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
    imports=["workers.tasks"],
    beat_schedule={
        "reap-stale-jobs": {
            "task": "workers.reap_jobs",
            "schedule": float(settings.JOB_REAP_EVERY_SECONDS),
            "options": {"queue": "default", "expires": float(settings.JOB_REAP_EVERY_SECONDS)},
        }
    },
)
