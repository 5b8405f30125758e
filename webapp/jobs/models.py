from __future__ import annotations

from django.conf import settings
from django.db import models

from webapp.jobs.registry import kind_choices


class Job(models.Model):
    """One long operation. The row, not the broker, is the source of truth about it."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    # Each domain registers the kinds it owns (webapp/jobs/registry.py); the spine knows none.
    kind = models.CharField(max_length=64, choices=kind_choices)
    queue = models.CharField(max_length=32, default="default")
    config = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True)
    run_after = models.DateTimeField(null=True, help_text="retry backoff: not before this time")
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    heartbeat_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    lease = models.UUIDField(null=True, help_text="token of the claim that owns the running job")
    worker = models.CharField(max_length=200, blank=True)
    cancel_requested = models.BooleanField(default=False)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True)
    progress_message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    log = models.TextField(blank=True, help_text="the tail of the job's log")
    result = models.JSONField(default=dict, blank=True)
    constitution_version = models.ForeignKey(
        "constitutions.ConstitutionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="jobs",
        help_text="the constitution version this job ran under, if any",
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="shards",
                               help_text="a shard's sharded job: the parent holds no worker, it sums its shards")
    shard = models.PositiveSmallIntegerField(null=True, blank=True, help_text="this shard's index (0 to shards - 1)")
    derived_from = models.ManyToManyField(
        "constitutions.ConstitutionVersion", blank=True, related_name="derived_jobs",
        help_text="every version its inputs derive from (its own, its dataset's, its models'): who cannot see one "
                  "of them cannot see the job nor anything it made",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"]), models.Index(fields=["kind", "-id"])]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.status})"

    @property
    def results_job(self) -> Job:
        """Where a shard's results go: its parent, so the shards of one run merge into one (their
        idempotent keys keep them from writing anything twice)."""
        return self.parent if self.parent is not None else self

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> float | None:
        if not self.progress_total:
            return None
        return min(100.0, 100.0 * self.progress_done / self.progress_total)


class JobMetric(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="metrics")
    step = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    value = models.FloatField()

    class Meta:
        ordering = ["step", "name"]
        constraints = [
            models.UniqueConstraint(fields=["job", "step", "name"], name="job_metric_once_per_step")
        ]


class JobArtifact(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=200)
    path = models.CharField(max_length=1000)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="job_artifact_name_once")]
