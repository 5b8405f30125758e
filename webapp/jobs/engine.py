"""The job state machine, as conditional updates on the Job row.

Workers call these; each write names the lease it holds, so a worker that lost its job to
the reaper (its heartbeat stopped) can never overwrite the new owner's progress.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from alignment.artifacts import sha256_of, verify
from webapp.jobs.models import Job, JobArtifact, JobMetric

LOG_TAIL_CHARS = 64_000
log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """The job is no longer ours: reaped, cancelled while queued, or claimed elsewhere."""


def enqueue(job: Job, countdown: float = 0) -> None:
    """Send the job id to its queue once the surrounding transaction commits."""
    from webapp.celery_app import RUN_JOB, app

    job_id, queue = job.pk, job.queue

    def send() -> None:
        try:
            app.send_task(RUN_JOB, args=[job_id], queue=queue, countdown=countdown or None)
        except Exception as exc:  # noqa: BLE001 - any broker failure: the row stays queued
            # The database is the source of truth: the job stays queued, unsent, and the
            # reaper sends it once the broker is back.
            log.warning("job %s: the broker is unreachable (%s); the reaper will send it", job_id, exc)
            Job.objects.filter(pk=job_id, enqueued_at__isnull=True).update(
                progress_message="queued; the broker is unreachable, it will be sent when it is back")
            return
        Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())

    transaction.on_commit(send)


def claim(job_id: int, worker: str) -> uuid.UUID | None:
    """Take a queued job. Of two workers racing for the same job, exactly one gets a lease."""
    token = uuid.uuid4()
    now = timezone.now()
    won = (
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, cancel_requested=False)
        .filter(Q(run_after__isnull=True) | Q(run_after__lte=now))
        .update(
            status=Job.Status.RUNNING,
            lease=token,
            worker=worker[:200],
            attempts=F("attempts") + 1,
            started_at=Coalesce(F("started_at"), Now()),
            heartbeat_at=now,
            error="",
        )
    )
    return token if won else None


def _owned(job_id: int, lease: uuid.UUID):
    return Job.objects.filter(pk=job_id, lease=lease, status=Job.Status.RUNNING)


def heartbeat(job_id: int, lease: uuid.UUID, log_lines: list[str] | None = None) -> bool:
    """Refresh the heartbeat, flush buffered log lines; return whether cancel was asked."""
    with transaction.atomic():
        job = _owned(job_id, lease).select_for_update().only("log", "cancel_requested").first()
        if job is None:
            raise LeaseLost(job_id)
        fields: dict[str, object] = {"heartbeat_at": timezone.now()}
        if log_lines:
            fields["log"] = _tail(job.log + "".join(line if line.endswith("\n") else line + "\n" for line in log_lines))
        _owned(job_id, lease).update(**fields)
        return job.cancel_requested


def _tail(text: str) -> str:
    return text[-LOG_TAIL_CHARS:]


def set_progress(job_id: int, lease: uuid.UUID, done: int, total: int | None, message: str = "") -> None:
    if not _owned(job_id, lease).update(
        progress_done=max(0, done), progress_total=total, progress_message=message[:500], heartbeat_at=timezone.now()
    ):
        raise LeaseLost(job_id)


def add_metrics(job_id: int, step: int, values: dict[str, float]) -> None:
    JobMetric.objects.bulk_create(
        [JobMetric(job_id=job_id, step=step, name=name[:100], value=float(v)) for name, v in values.items()],
        ignore_conflicts=True,  # a resumed run may report a step it already reported
    )


def add_artifact(job_id: int, name: str, path: Path, patterns: tuple[str, ...] = ("*",),
                 recursive: bool = True) -> JobArtifact:
    """Record what a job produced or read (a dataset file, a model folder, its run inputs) by
    location and SHA-256 (of a folder: of its files matching the patterns); recording the same
    name again replaces the old entry."""
    sha256, size = sha256_of(path, patterns, recursive)
    artifact, _ = JobArtifact.objects.update_or_create(
        job_id=job_id, name=name, defaults={"path": str(path), "sha256": sha256, "size": size}
    )
    return artifact


_verified: dict[tuple[str, str], tuple[int, int]] = {}  # (path, sha256) -> (bytes, newest mtime) seen good


def verify_inputs(paths) -> list[str]:
    """Check every path that a job registered as an artifact (a model folder, a dataset file)
    against its recorded SHA-256 before anything loads it: a copy on another machine's shared
    volume that changed or arrived only in part is refused with a clear message. A path seen
    good stays good while its files' sizes and times do not change. Returns the paths checked."""
    checked = []
    for path in {Path(p) for p in paths if p}:
        artifact = JobArtifact.objects.filter(path=str(path)).exclude(name="inputs").order_by("-id").first()
        if artifact is None or not path.exists():
            continue
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        stamp = (sum(f.stat().st_size for f in files), max((f.stat().st_mtime_ns for f in files), default=0))
        if _verified.get((str(path), artifact.sha256)) != stamp:
            verify(path, artifact.sha256)
            _verified[(str(path), artifact.sha256)] = stamp
        checked.append(str(path))
    return checked


def settle(parent_id: int | None) -> None:
    """A sharded job follows its shards: running while any is queued or running; once all have
    ended, succeeded if all did (with the kind's merged result), cancelled if none failed but
    some were cancelled, else failed, naming the failed shards (each can be retried)."""
    if parent_id is None:
        return
    from webapp.jobs.registry import MERGERS

    with transaction.atomic():
        parent = Job.objects.select_for_update().filter(pk=parent_id).first()
        if parent is None:
            return
        shards = list(parent.shards.order_by("shard").values_list("shard", "status"))
        active = [n for n, status in shards if status in Job.ACTIVE]
        if active:
            Job.objects.filter(pk=parent_id).update(status=Job.Status.RUNNING, finished_at=None, error="")
            return
        failed = [n for n, status in shards if status == Job.Status.FAILED]
        cancelled = [n for n, status in shards if status == Job.Status.CANCELLED]
        status = Job.Status.FAILED if failed else Job.Status.CANCELLED if cancelled else Job.Status.SUCCEEDED
        error = f"shards {', '.join(map(str, failed))} of {len(shards)} failed (retry them)" if failed else ""
        result = MERGERS[parent.kind](parent) if status == Job.Status.SUCCEEDED and parent.kind in MERGERS else {}
        Job.objects.filter(pk=parent_id).update(status=status, finished_at=timezone.now(), error=error,
                                                result={**result, "shards": len(shards)} if result else {})


def finish(job_id: int, lease: uuid.UUID, status: str, error: str = "", result: dict | None = None) -> None:
    fields = {"status": status, "finished_at": timezone.now(), "lease": None, "error": error}
    if result is not None:
        fields["result"] = result
    if not _owned(job_id, lease).update(**fields):
        raise LeaseLost(job_id)
    settle(Job.objects.filter(pk=job_id).values_list("parent_id", flat=True).first())


def fail_attempt(job_id: int, lease: uuid.UUID, error: str) -> bool:
    """A transient failure: re-queue with exponential backoff while attempts remain.
    Returns True when the job was re-queued, False when it has failed for good."""
    with transaction.atomic():
        job = _owned(job_id, lease).select_for_update().first()
        if job is None:
            raise LeaseLost(job_id)
        if job.attempts >= job.max_attempts:
            _owned(job_id, lease).update(
                status=Job.Status.FAILED, finished_at=timezone.now(), lease=None,
                error=f"{error}\n(failed after {job.attempts} attempts)",
            )
            settle(job.parent_id)
            return False
        delay = settings.JOB_RETRY_BACKOFF_SECONDS * 2 ** (job.attempts - 1)
        _owned(job_id, lease).update(
            status=Job.Status.QUEUED, lease=None, error=error,
            run_after=timezone.now() + timedelta(seconds=delay),
            log=_tail(job.log + f"attempt {job.attempts} failed: {error}\nretrying in {delay}s\n"),
        )
        job.refresh_from_db()
        enqueue(job, countdown=delay)
        return True


def _take_back(job: Job, still_owned, note: str, now, report: dict[str, list[int]]) -> None:
    """A running job whose worker is gone: cancelled if that was asked, failed once its attempts
    are spent, else queued again (the page says "worker lost, re-queued")."""
    with transaction.atomic():
        if job.cancel_requested:
            if still_owned.update(status=Job.Status.CANCELLED, lease=None, finished_at=now, error=note):
                report["failed"].append(job.pk)
        elif job.attempts >= job.max_attempts:
            if still_owned.update(status=Job.Status.FAILED, lease=None, finished_at=now,
                                  error=f"{note}; failed after {job.attempts} attempts"):
                report["failed"].append(job.pk)
        elif still_owned.update(status=Job.Status.QUEUED, lease=None, run_after=None,
                                progress_message="worker lost, re-queued", log=_tail(job.log + f"{note}; re-queued\n")):
            enqueue(job)
            report["requeued"].append(job.pk)
        settle(job.parent_id)


def release_worker(worker: str, now=None) -> dict[str, list[int]]:
    """The supervisor saw this worker die: take its running jobs back at once, without waiting
    for their heartbeats to go stale."""
    now = now or timezone.now()
    report: dict[str, list[int]] = {"requeued": [], "failed": [], "resent": []}
    for job in Job.objects.filter(status=Job.Status.RUNNING, worker=worker[:200]):
        still_owned = Job.objects.filter(pk=job.pk, lease=job.lease, status=Job.Status.RUNNING)
        _take_back(job, still_owned, f"worker {worker} died", now, report)
    return report


def reap(now=None) -> dict[str, list[int]]:
    """Re-queue or fail running jobs whose heartbeat stopped, and re-send queued jobs whose
    message never arrived (the broker was down, or lost it). Works from the database alone,
    never from broker redelivery."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_SECONDS)
    report: dict[str, list[int]] = {"requeued": [], "failed": [], "resent": []}
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale):
        note = f"worker {job.worker or '?'} stopped heartbeating (last at {job.heartbeat_at:%H:%M:%S})"
        still_stale = Job.objects.filter(pk=job.pk, lease=job.lease, status=Job.Status.RUNNING, heartbeat_at__lt=stale)
        _take_back(job, still_stale, note, now, report)
    unsent = Q(enqueued_at__lt=stale) | Q(enqueued_at__isnull=True, created_at__lt=now - timedelta(seconds=2))
    lost = Job.objects.filter(unsent, status=Job.Status.QUEUED, cancel_requested=False).filter(
        Q(run_after__isnull=True) | Q(run_after__lte=now)
    )
    for job in lost:
        with transaction.atomic():
            enqueue(job)
        report["resent"].append(job.pk)
    return report
