"""What users do to jobs: launch, cancel, retry. Each call owns its transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alignment.errors import UserError
from webapp.core.models import record
from webapp.jobs import engine
from webapp.jobs.engine import enqueue
from webapp.jobs.models import Job

QUEUES = ("default", "gpu", "ray")  # and gpu-N: a job that needs N GPUs of one worker (N = 2 to 64); ray: a
# worker of the ray queue runs the job's child on its Ray cluster (workers/ray_jobs.py)
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
def launch_sharded(kind: str, config: dict, user, shards: int, queue: str = "default", constitution_version=None,
                   derived_from: Iterable[int] = ()) -> Job:
    """A job split into `shards` jobs that any workers pick up (each takes every shards-th item;
    its results go to the parent, see Job.results_job). The parent runs nowhere: it sums its
    shards' progress and ends when they all have (engine.settle)."""
    if not 2 <= shards <= 64:
        raise UserError("shards must be between 2 and 64")
    from webapp.jobs.registry import MERGERS

    if kind not in MERGERS:
        raise UserError(f"{kind} jobs cannot be sharded")
    parent = Job.objects.create(kind=kind, config={**config, "shards": shards}, queue=queue, created_by=user,
                                status=Job.Status.RUNNING, started_at=timezone.now(), max_attempts=0,
                                constitution_version=constitution_version)
    versions = set(derived_from) | ({constitution_version.pk} if constitution_version is not None else set())
    if versions:
        parent.derived_from.add(*versions)
    record(user, "launch", parent, kind=kind, queue=queue, shards=shards)
    for n in range(shards):
        child = launch(kind, {**config, "shard": n, "shards": shards}, user, queue=queue,
                       constitution_version=constitution_version, derived_from=versions)
        Job.objects.filter(pk=child.pk).update(parent=parent, shard=n)
    return parent


@transaction.atomic
def cancel(job: Job, user=None) -> Job:
    if job.shards.exists():  # a sharded job: cancel every shard still going
        if not job.is_active:
            raise JobStateError(f"job {job.pk} is {job.status}; only queued or running jobs can be cancelled")
        for shard in job.shards.filter(status__in=Job.ACTIVE):
            cancel(shard, user)
        job.refresh_from_db()
        return job
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
    engine.settle(job.parent_id)
    job.refresh_from_db()
    return job


@transaction.atomic
def retry(job: Job, user=None) -> Job:
    """Run a failed or cancelled job again (of a sharded job, the shards that did not succeed).
    Results are written with idempotent keys, so the new run picks up where the last stopped."""
    if job.shards.exists():
        again = job.shards.filter(status__in=[Job.Status.FAILED, Job.Status.CANCELLED])
        if not again.exists():
            raise JobStateError(f"job {job.pk} has no failed or cancelled shard to retry")
        for shard in again:
            retry(shard, user)
        job.refresh_from_db()
        return job
    if not Job.objects.filter(pk=job.pk, status__in=[Job.Status.FAILED, Job.Status.CANCELLED]).update(
        status=Job.Status.QUEUED, cancel_requested=False, attempts=0, run_after=None,
        finished_at=None, error="", lease=None,
    ):
        raise JobStateError(f"job {job.pk} is {job.status}; only failed or cancelled jobs can be retried")
    record(user, "retry", job, kind=job.kind)
    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(log=job.log + "--- retried by user ---\n")
    enqueue(job)
    engine.settle(job.parent_id)
    return job
