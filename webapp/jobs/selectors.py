from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from webapp.jobs.models import Job
from webapp.jobs.registry import hidden_versions

LIST_FIELDS = (
    "id", "kind", "queue", "status", "created_by__username", "created_at", "started_at", "finished_at",
    "progress_done", "progress_total", "progress_message", "attempts", "max_attempts", "cancel_requested",
)


def hidden_jobs(user) -> QuerySet[Job]:
    """Jobs that ran under, or derive from, a version this user cannot see."""
    hidden = hidden_versions(user)
    return Job.objects.filter(Q(derived_from__in=hidden) | Q(constitution_version__in=hidden))


def visible_jobs(user) -> QuerySet[Job]:
    """The jobs this user may see: none that derives from a version they cannot see."""
    return Job.objects.exclude(pk__in=hidden_jobs(user).values("pk"))


def recent_jobs(user, limit: int = 100, before: int | None = None):
    qs = visible_jobs(user).select_related("created_by").defer("config", "log", "result", "error")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[:limit])


def duration(job: Job) -> timedelta | None:
    if not job.started_at:
        return None
    return (job.finished_at or timezone.now()) - job.started_at


def eta_seconds(job: Job) -> float | None:
    """Remaining time, extrapolated from the rate so far in this run."""
    if job.status != Job.Status.RUNNING or not job.progress_total or not job.progress_done or not job.started_at:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    remaining = job.progress_total - job.progress_done
    return max(0.0, elapsed / job.progress_done * remaining)


def shard_progress(job: Job, shards: list[Job]) -> tuple[int, int | None, str]:
    """A job's progress; a sharded job's is its shards' done and totals, summed."""
    if not shards:
        return job.progress_done, job.progress_total, job.progress_message
    ended = sum(s.status not in Job.ACTIVE for s in shards)
    total = sum(s.progress_total or 0 for s in shards) if all(s.progress_total for s in shards) else None
    return sum(s.progress_done for s in shards), total, f"{ended} of {len(shards)} shards ended"


def job_state(job: Job) -> dict:
    """What the live job page polls for."""
    d = duration(job)
    shards = list(job.shards.only("id", "shard", "status", "progress_done", "progress_total", "worker").order_by("shard"))
    done, total, message = shard_progress(job, shards)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress_done": done,
        "progress_total": total,
        "progress_message": message,
        "percent": min(100.0, 100.0 * done / total) if total else None,
        "shards": [{"id": s.pk, "shard": s.shard, "status": s.status, "done": s.progress_done,
                    "total": s.progress_total, "worker": s.worker} for s in shards],
        "eta_seconds": eta_seconds(job),
        "duration_seconds": d.total_seconds() if d else None,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
        "log": job.log,
        "result": job.result,
        "created_by": job.created_by.username if job.created_by else None,
        "created_at": job.created_at.isoformat(),
    }


# Panels lead with what a method is judged by; bookkeeping (learning rate, norms, memory) last.
METRIC_ORDER = ["loss", "rewards/margins", "rewards/accuracies", "accuracy", "margin", "reward", "reward_std", "kl",
                "completions/mean_length"]
METRIC_LAST = ["learning_rate", "grad_norm", "memory_mb"]


def metric_rank(name: str) -> tuple:
    """Sort key for metric panels, shared by the live job page and the compare view."""
    if name in METRIC_ORDER:
        return (0, METRIC_ORDER.index(name), name)
    return (2, METRIC_LAST.index(name), name) if name in METRIC_LAST else (1, 0, name)


def metrics_since(job: Job, after_step: int = -1) -> list:
    return list(job.metrics.filter(step__gt=after_step).values("step", "name", "value").order_by("step", "name"))
