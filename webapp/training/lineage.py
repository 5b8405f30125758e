"""One lineage per trained model or dataset: constitution version -> feedback runs -> dataset ->
training run -> model -> evaluations, each stage with links, only what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from webapp.constitutions.visibility import visible_versions
from webapp.datasets.models import Dataset
from webapp.jobs.models import Job
from webapp.jobs.selectors import visible_jobs
from webapp.training.evaluations import visible_evaluations
from webapp.training.models import TrainedModel
from webapp.training.selectors import visible_models


@dataclass
class Stage:
    title: str
    items: list[tuple[str, str, str]] = field(default_factory=list)  # (label, url or "", note)
    current: bool = False


def _job(job: Job | None, note: str = "") -> list[tuple[str, str, str]]:
    if job is None:
        return []
    return [(f"job {job.pk} · {job.config.get('name') or job.get_kind_display()}",
             reverse("job_detail", args=[job.pk]), note or job.status)]


def _versions(user, dataset: Dataset | None, *jobs: Job | None) -> Stage:
    """The versions the jobs derive from or ran under (a training run, its dataset's export and
    the feedback runs the dataset's pairs came from)."""
    ids = [j.pk for j in jobs if j is not None] + list((dataset.options or {}).get("runs", []) if dataset else [])
    if dataset is not None and dataset.job_id:
        ids.append(dataset.job_id)
    versions = visible_versions(user).filter(Q(derived_jobs__in=ids) | Q(jobs__in=ids)).distinct() \
        .select_related("constitution").order_by("name", "number")
    return Stage("Constitution version", [(f"{v.name} v{v.number}", f"/constitutions/{v.constitution_id}/?v={v.number}",
                                           "") for v in versions])


def _runs(user, dataset: Dataset | None) -> Stage:
    ids = (dataset.options or {}).get("runs", []) if dataset else []
    runs = visible_jobs(user).filter(pk__in=ids).order_by("pk")
    return Stage("Feedback runs", [item for run in runs for item in _job(run, run.config.get("method", run.kind))])


def _dataset(dataset: Dataset | None, current: bool = False) -> Stage:
    items = [(dataset.name, reverse("dataset", args=[dataset.pk]), f"{dataset.rows or 0} records · "
              f"sha256 {dataset.sha256[:12]}")] if dataset else []
    return Stage("Dataset", items, current)


def _models(user, models) -> tuple[Stage, Stage, Stage]:
    models = list(models)
    runs = Stage("Training runs", [item for m in models for item in _job(m.job, m.method)])
    made = Stage("Models", [(m.name, reverse("lineage_model", args=[m.pk]), f"{m.get_kind_display()} from "
                             f"{m.base_model}") for m in models])
    names = [m.name for m in models]
    evaluations = visible_evaluations(user).filter(Q(model__in=names) | Q(baseline__in=names)).order_by("-id")
    evals = Stage("Evaluations", [(f"{e.get_kind_display()}: {e.model}" + (f" vs {e.baseline}" if e.baseline else ""),
                                   reverse("job_detail", args=[e.job_id]) if e.job_id else "",
                                   f"score {e.score:.3f}" if e.score is not None else "no score") for e in evaluations])
    return runs, made, evals


def of_model(user, model: TrainedModel) -> list[Stage]:
    runs, made, evals = _models(user, [model])
    made.current = True
    base = visible_models(user).filter(name=model.base_model).first()
    based = Stage("Base model", [(model.base_model, reverse("lineage_model", args=[base.pk]) if base else "",
                                  "registered: its own lineage" if base else "not trained here")])
    return [_versions(user, model.dataset, model.job), _runs(user, model.dataset), _dataset(model.dataset), based, runs,
            made, evals]


def of_dataset(user, dataset: Dataset) -> list[Stage]:
    runs, made, evals = _models(user, visible_models(user).filter(dataset=dataset).select_related("job"))
    return [_versions(user, dataset), _runs(user, dataset), _dataset(dataset, current=True), runs, made, evals]
