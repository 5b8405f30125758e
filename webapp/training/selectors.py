"""Reads for the training pages: runs, the registry, and runs side by side."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from django.db.models import Q, QuerySet

from webapp.jobs.models import JobMetric
from webapp.jobs.selectors import metric_rank, visible_jobs
from webapp.training.models import TrainedModel


def training_runs(user):
    runs = visible_jobs(user).filter(kind__in=["train", "self_reward"]).select_related("created_by")
    return runs.order_by("-id")[:200]


def visible_models(user) -> QuerySet[TrainedModel]:
    """Registered models this user may see: those whose run they may see."""
    return TrainedModel.objects.filter(Q(job__isnull=True) | Q(job__in=visible_jobs(user)))


def registry(user):
    return visible_models(user).select_related("dataset", "constitution_version", "job").order_by("-id")


def compare(user, job_ids: list[int]) -> dict:
    """Runs' metric series overlaid (one panel per metric they share) and their configs diffed."""
    jobs = list(visible_jobs(user).filter(kind__in=["train", "self_reward"], pk__in=job_ids).order_by("pk"))
    series: dict[str, dict[int, dict]] = defaultdict(dict)
    for m in JobMetric.objects.filter(job__in=jobs).order_by("step").values("job_id", "name", "step", "value"):
        trace = series[m["name"]].setdefault(m["job_id"], {"x": [], "y": []})
        trace["x"].append(m["step"])
        trace["y"].append(m["value"])
    shared = sorted((name for name, runs in series.items() if len(runs) == len(jobs) and not name.startswith("train_")),
                    key=metric_rank)
    keys = sorted({k for job in jobs for k in job.config})
    rows = [{"key": k, "values": [job.config.get(k) for job in jobs],
             "differs": len({repr(job.config.get(k)) for job in jobs}) > 1} for k in keys]
    panels = [{"metric": name, "traces": [{"job": job.pk, "name": job.config.get("name", f"job {job.pk}"),
                                           **series[name][job.pk]} for job in jobs]} for name in shared]
    return {"jobs": jobs, "config_rows": rows, "panels": panels}


class ModelRegistry:
    """The registry as launches see it (webapp/core/model_names.py)."""

    def rows(self, user) -> list[dict[str, str]]:
        return [{"name": m["name"], "label": f"{m['kind']} ({m['method']})"}
                for m in visible_models(user).order_by("-id").values("name", "kind", "method")[:500]]

    def hidden(self, user, path: Path) -> bool:
        return TrainedModel.objects.filter(path=str(path)).exclude(pk__in=visible_models(user).values("pk")).exists()

    def lineage(self, path: Path) -> set[int]:
        ids = TrainedModel.objects.filter(path=str(path)).values_list("job__derived_from", flat=True)
        return {i for i in ids if i is not None}
