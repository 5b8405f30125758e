"""Training, models and evaluations over the REST API: the same services as the pages."""

from __future__ import annotations

from ninja import Field, Router, Schema

from alignment.evaluation import EvalConfig
from alignment.selfreward import SelfRewardConfig
from alignment.training.config import TrainConfig
from webapp.accounts.roles import require
from webapp.constitutions.visibility import visible_versions
from webapp.core.lookups import get_or_400, get_or_404
from webapp.core.schemas import choices_of, config_schema
from webapp.datasets.selectors import visible_datasets
from webapp.feedback.services import pair_sources
from webapp.jobs.services import check_queue
from webapp.prompts.models import PromptSet
from webapp.training import evaluations, selectors, services

router = Router(tags=["training"])


class TrainIn(Schema):
    name: str
    dataset: int
    config: config_schema(TrainConfig) = Field(default_factory=dict)  # type: ignore[valid-type]
    constitution_version: int | None = None
    ray: bool = Field(False, description="run on the Ray cluster of the ray queue's workers (one GPU per process with "
                                         "device gpu, else one CPU per process)")


class EvaluateIn(Schema):
    config: config_schema(EvalConfig) = Field(default_factory=dict)  # type: ignore[valid-type]
    constitution_version: int | None = None
    prompt_set: int | None = None
    dataset: int | None = None
    benign_set: int | None = Field(None, description="behaviour: benign prompts (over-refusal); prompt_set holds "
                                                     "the harmful ones")
    limit: int | None = None
    offset: int = Field(0, description="skip the first N prompts (of the set in order, or of the seeded sample)")
    sample_seed: int | None = Field(None, description="a random sample of the prompt set drawn with this seed")
    shards: int = Field(1, description="split the evaluation into N jobs any workers pick up (2 to 64)")
    queue: str = "default"


class SelfRewardIn(Schema):
    name: str
    prompt_set: int
    constitution_version: int
    limit: int | None = None
    offset: int = Field(0, description="skip the first N prompts (of the set in order, or of the seeded sample)")
    sample_seed: int | None = Field(None, description="a random sample of the prompt set drawn with this seed")
    heldout_from: int | None = Field(None, description="an imported human set (or run): the pairs each iteration's "
                                                       "judge is scored on")
    eft_from: int | None = Field(None, description="human-ranked pairs for the EFT stage: the loop starts from M0")
    harmful_set: int | None = Field(None, description="prompts each new model's refusal rate is measured on")
    benign_set: int | None = Field(None, description="prompts each new model's over-refusal is measured on")
    config: config_schema(SelfRewardConfig) = Field(default_factory=dict)  # type: ignore[valid-type]


def _model_row(m) -> dict:
    return {"name": m.name, "kind": m.kind, "method": m.method, "base_model": m.base_model,
            "dataset": m.dataset_id, "dataset_sha256": m.dataset_sha256,
            "constitution_version": m.constitution_version_id, "job": m.job_id, "metrics": m.metrics, "config": m.config}


def _inputs(request, body) -> dict:
    """The rows a body names by id, among those the caller may see."""
    user, found = request.user, {}
    for name, queryset, what in (("dataset", visible_datasets(user), "dataset"),
                                 ("constitution_version", visible_versions(user), "constitution version"),
                                 ("prompt_set", PromptSet.objects.all(), "prompt set"),
                                 ("benign_set", PromptSet.objects.all(), "benign prompt set")):
        if hasattr(body, name):
            found[name] = get_or_400(queryset, getattr(body, name), what)
    return found


@router.post("/runs", response={201: dict})
def launch_run(request, body: TrainIn):
    """Launch SFT, reward-model, DPO, GRPO or RLOO training; `config` holds TrainConfig fields."""
    require(request.user, "operator")
    found = _inputs(request, body)
    job = services.launch_training(request.user, body.name, choices_of(body.config), found["dataset"],
                                   found["constitution_version"], ray=body.ray)
    return 201, {"job": job.pk, "queue": job.queue, "config": job.config}


@router.post("/preview")
def preview_run(request, body: TrainIn):
    """The resolved config a launch with this body would run (method defaults filled in)."""
    require(request.user, "operator")
    found = _inputs(request, body)
    return {"yaml": services.preview(request.user, choices_of(body.config), found["dataset"],
                                     found["constitution_version"])}


@router.get("/models")
def list_models(request):
    require(request.user, "viewer")
    return [_model_row(m) for m in selectors.registry(request.user)]


@router.post("/evaluations", response={201: dict})
def launch_evaluation(request, body: EvaluateIn):
    require(request.user, "operator")
    job = evaluations.launch_evaluation(request.user, choices_of(body.config), limit=body.limit, offset=body.offset,
                                        sample_seed=body.sample_seed, shards=body.shards,
                                        queue=check_queue(body.queue), **_inputs(request, body))
    return 201, {"job": job.pk, "evaluation": job.evaluation.pk}


@router.post("/self-rewarding", response={201: dict})
def launch_loop(request, body: SelfRewardIn):
    """Launch a Self-Rewarding loop; `config` holds SelfRewardConfig fields."""
    require(request.user, "operator")
    found = _inputs(request, body)
    heldout = get_or_400(pair_sources(request.user), body.heldout_from, "held-out set")
    eft = get_or_400(pair_sources(request.user), body.eft_from, "EFT set")
    harmful = get_or_400(PromptSet.objects.all(), body.harmful_set, "prompt set")
    benign = get_or_400(PromptSet.objects.all(), body.benign_set, "prompt set")
    job = services.launch_self_rewarding(request.user, body.name, choices_of(body.config), found["prompt_set"],
                                         found["constitution_version"], body.limit, heldout_from=heldout,
                                         eft_from=eft, harmful_set=harmful, benign_set=benign, offset=body.offset,
                                         sample_seed=body.sample_seed)
    return 201, {"job": job.pk, "config": job.config}


@router.get("/evaluations/{pk}")
def get_evaluation(request, pk: int):
    require(request.user, "viewer")
    e = get_or_404(evaluations.visible_evaluations(request.user), pk)
    return {"id": e.pk, "kind": e.kind, "model": e.model, "baseline": e.baseline, "judge": e.judge,
            "constitution_version": e.constitution_version_id, "score": e.score, "ci": [e.ci_low, e.ci_high], "n": e.n,
            "result": e.result, "job": e.job_id, "status": e.job.status if e.job else None}


@router.get("/leaderboard")
def leaderboard(request):
    require(request.user, "viewer")
    return [{"model": r.model, "kind": r.kind, "score": r.score, "ci": [r.ci_low, r.ci_high], "n": r.n,
             "baseline": r.baseline, "judge": r.judge, "evaluation": r.pk,
             "trained_by_job": r.lineage.job_id if r.lineage else None} for r in evaluations.leaderboard(request.user)]
