"""Each job's own folder in the data directory: its exact inputs, its config, and (for training)
its checkpoints, so every run can be inspected and a retried attempt resumes from what the last
one left."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from webapp.jobs.models import Job


def run_folder(job: Job) -> Path:
    """Every attempt of the job finds the same folder; the creation time in the name keeps a job
    from a reset or another database out of a folder an unrelated job with the same id left."""
    folder = Path(settings.ARTIFACTS_DIR) / "runs" / f"job-{job.pk}-{job.created_at:%Y%m%dT%H%M%S%f}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
