"""The worker's entry point: `celery -A workers.app worker`. The app itself lives in the web
project (webapp/celery_app.py); this module sets Django up and registers the tasks."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

import django  # noqa: E402

django.setup()

from webapp.celery_app import app  # noqa: E402

app.conf.imports = ["workers.tasks"]

import workers.presence  # noqa: E402,F401  (announces the queues this worker serves)

__all__ = ["app"]
