"""What users do to jobs: launch, cancel, retry. Each call owns its transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alignment.errors import UserError
from webapp.core.models import record
from webapp.jobs.engine import enqueue
from webapp.jobs.models import Job

QUEUES = ("default", "gpu")  # and gpu-N: a job that needs N GPUs of one worker (N = 2 to 64)
SIZED_GPU_QUEUE = re.compile(r"gpu-([2-9]|[1-5][0-9]|6[0-4])")


def is_queue(queue: str) -> bool:
    return queue in QUEUES or bool(SIZED_GPU_QUEUE.fullmatch(queue))


def gpu_queue(gpus: int) -> str:
    """The queue of a job that needs `gpus` GPUs on one worker: only workers that have that many
    consume it (`-Q default,gpu,gpu-2,...,gpu-N`, what `workers/presence.py` announces)."""
    return "gpu" if gpus <= 1 else f"gpu-{gpus}"


def check_queue(queue: str) -> str:
    if not is_queue(queue):
        raise UserError(f"queue must be one of {', '.join(QUEUES)} or gpu-N (N = 2 to 64 GPUs)")
    return queue


class JobStateError(Exception):
    """The job is not in a state that allows the action (e.g. retrying a running job)."""


@transaction.atomic
def launch(kind: str, config: dict, user, queue: str = "default", constitution_version=None,
           derived_from: Iterable[int] = ()) -> Job:
    """Create the job and send it after the commit. `derived_from`: the ids of every constitution
    version its inputs derive from besides its own (its dataset's, its models'), for visibility."""
    if not is_queue(queue):
        raise ValueError(f"unknown queue {queue!r}")
    job = Job.objects.create(
        kind=kind, config=config, queue=queue, created_by=user, max_attempts=settings.JOB_MAX_ATTEMPTS,
        constitution_version=constitution_version,
    )
    versions = set(derived_from) | ({constitution_version.pk} if constitution_version is not None else set())
    if versions:
        job.derived_from.add(*versions)
    record(user, "launch", job, kind=kind, queue=queue)
    enqueue(job)
    return job


@transaction.atomic
def cancel(job: Job, user=None) -> Job:
    now = timezone.now()
    # A queued job is cancelled on the spot; a running one is flagged and its worker stops
    # within a heartbeat.
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, cancel_requested=True, finished_at=now
    ):
        pass
    elif not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested=True):
        raise JobStateError(f"job {job.pk} is {job.status}; only queued or running jobs can be cancelled")
    record(user, "cancel", job, kind=job.kind)
    job.refresh_from_db()
    return job


@transaction.atomic
def retry(job: Job, user=None) -> Job:
    """Run a failed or cancelled job again. Results are written with idempotent keys, so the
    new run picks up where the last one stopped."""
    if not Job.objects.filter(pk=job.pk, status__in=[Job.Status.FAILED, Job.Status.CANCELLED]).update(
        status=Job.Status.QUEUED, cancel_requested=False, attempts=0, run_after=None,
        finished_at=None, error="", lease=None,
    ):
        raise JobStateError(f"job {job.pk} is {job.status}; only failed or cancelled jobs can be retried")
    record(user, "retry", job, kind=job.kind)
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(log=job.log + "--- retried by user ---\n")
    enqueue(job)
    return job
