"""Training, models and evaluations over the REST API: the same services as the pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from alignment.errors import UserError
from alignment.evaluation import EvalConfig
from alignment.selfreward import SelfRewardConfig
from alignment.training.config import TrainConfig
from webapp.accounts.roles import require
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.schemas import choices_of, config_schema
from webapp.datasets.models import Dataset
from webapp.prompts.models import PromptSet
from webapp.training import evaluations, selectors, services
from webapp.training.models import Evaluation

router = Router(tags=["training"])


class TrainIn(Schema):
    name: str
    dataset: int
    config: config_schema(TrainConfig) = Field(default_factory=dict)  # type: ignore[valid-type]
    constitution_version: int | None = None


class EvaluateIn(Schema):
    config: config_schema(EvalConfig) = Field(default_factory=dict)  # type: ignore[valid-type]
    constitution_version: int | None = None
    prompt_set: int | None = None
    dataset: int | None = None
    limit: int | None = None


class SelfRewardIn(Schema):
    name: str
    prompt_set: int
    constitution_version: int
    limit: int | None = None
    config: config_schema(SelfRewardConfig) = Field(default_factory=dict)  # type: ignore[valid-type]


def _get(model, pk):
    if pk is None:
        return None
    try:
        return model.objects.get(pk=pk)
    except model.DoesNotExist as exc:
        raise UserError(f"no {model._meta.verbose_name} {pk}") from exc


def _model_row(m) -> dict:
    return {"name": m.name, "kind": m.kind, "method": m.method, "base_model": m.base_model,
            "dataset": m.dataset_id, "dataset_sha256": m.dataset_sha256,
            "constitution_version": m.constitution_version_id, "job": m.job_id, "metrics": m.metrics, "config": m.config}


@router.post("/runs", response={201: dict})
def launch_run(request, body: TrainIn):
    """Launch SFT, reward-model, DPO, GRPO or RLOO training; `config` holds TrainConfig fields."""
    require(request.user, "operator")
    job = services.launch_training(request.user, body.name, choices_of(body.config), _get(Dataset, body.dataset),
                                   _get(ConstitutionVersion, body.constitution_version))
    return 201, {"job": job.pk, "queue": job.queue, "config": job.config}


@router.post("/preview")
def preview_run(request, body: TrainIn):
    """The resolved config a launch with this body would run (method defaults filled in)."""
    require(request.user, "operator")
    return {"yaml": services.preview(request.user, choices_of(body.config), _get(Dataset, body.dataset),
                                     _get(ConstitutionVersion, body.constitution_version))}


@router.get("/models")
def list_models(request):
    return [_model_row(m) for m in selectors.registry()]


@router.post("/evaluations", response={201: dict})
def launch_evaluation(request, body: EvaluateIn):
    require(request.user, "operator")
    job = evaluations.launch_evaluation(
        request.user, choices_of(body.config), constitution_version=_get(ConstitutionVersion, body.constitution_version),
        prompt_set=_get(PromptSet, body.prompt_set), dataset=_get(Dataset, body.dataset), limit=body.limit)
    return 201, {"job": job.pk, "evaluation": job.evaluation.pk}


@router.post("/self-rewarding", response={201: dict})
def launch_loop(request, body: SelfRewardIn):
    """Launch a Self-Rewarding loop; `config` holds SelfRewardConfig fields."""
    require(request.user, "operator")
    job = services.launch_self_rewarding(request.user, body.name, choices_of(body.config),
                                         _get(PromptSet, body.prompt_set),
                                         _get(ConstitutionVersion, body.constitution_version), body.limit)
    return 201, {"job": job.pk, "config": job.config}


@router.get("/evaluations/{pk}")
def get_evaluation(request, pk: int):
    e = get_object_or_404(Evaluation, pk=pk)
    return {"id": e.pk, "kind": e.kind, "model": e.model, "baseline": e.baseline, "judge": e.judge,
            "constitution_version": e.constitution_version_id, "score": e.score, "ci": [e.ci_low, e.ci_high], "n": e.n,
            "result": e.result, "job": e.job_id, "status": e.job.status if e.job else None}


@router.get("/leaderboard")
def leaderboard(request):
    return [{"model": r.model, "kind": r.kind, "score": r.score, "ci": [r.ci_low, r.ci_high], "n": r.n,
             "baseline": r.baseline, "judge": r.judge, "evaluation": r.pk,
             "trained_by_job": r.lineage.job_id if r.lineage else None} for r in evaluations.leaderboard()]
