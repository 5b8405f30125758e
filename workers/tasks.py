"""Thin Celery tasks: they receive job ids and hand over to the runner."""

from __future__ import annotations

import logging

from workers.app import app

log = logging.getLogger(__name__)


@app.task(name="workers.run_job")
def run_job(job_id: int) -> str:
    from workers.runner import execute

    return execute(job_id)


@app.task(name="workers.reap_jobs")
def reap_jobs() -> dict:
    from webapp.jobs.engine import reap

    report = reap()
    if any(report.values()):
        log.warning("reaper: %s", report)
    return report
