"""Reads for the training pages: runs, the registry, and runs side by side."""

from __future__ import annotations

from collections import defaultdict

from webapp.jobs.models import Job, JobMetric
from webapp.jobs.selectors import metric_rank
from webapp.training.models import TrainedModel


def training_runs():
    runs = Job.objects.filter(kind__in=["train", "self_reward"]).select_related("created_by", "trained_model")
    return runs.order_by("-id")[:200]


def registry():
    return TrainedModel.objects.select_related("dataset", "constitution_version", "job").order_by("-id")


def compare(job_ids: list[int]) -> dict:
    """Runs' metric series overlaid (one panel per metric they share) and their configs diffed."""
    jobs = list(Job.objects.filter(kind__in=["train", "self_reward"], pk__in=job_ids).order_by("pk"))
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


def model_names() -> list[dict[str, str]]:
    """Registered models for the model box, newest first."""
    return [{"name": m["name"], "label": f"{m['kind']} ({m['method']})"}
            for m in TrainedModel.objects.order_by("-id").values("name", "kind", "method")[:500]]
