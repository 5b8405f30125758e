"""Feedback runs and judges over the REST API (mounted at /api/feedback)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from webapp.accounts.roles import require
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.schemas import choices_of, config_schema
from webapp.feedback import judges
from webapp.feedback.services import launch_feedback, pair_sources
from webapp.jobs.services import check_queue
from webapp.prompts.models import PromptSet

router = Router(tags=["feedback"])


class FeedbackIn(Schema):
    prompt_set: int | None = Field(None, description="sample: the policy answers this prompt set's prompts")
    pairs_from: int | None = Field(None, description="or judge the pairs of this imported set or finished run")
    constitution_version: int
    limit: int | None = None
    offset: int = Field(0, description="skip the first N prompts (of the set in order, or of the seeded sample)")
    sample_seed: int | None = Field(None, description="a random sample of the set drawn with this seed")
    shards: int = Field(1, description="split the run into N jobs any workers pick up (2 to 64)")
    queue: str = "default"
    review_guidelines: str = Field("", description="Markdown shown to reviewers beside each pair of this run")
    config: config_schema(FeedbackConfig) = Field(default_factory=dict)  # type: ignore[valid-type]


@router.post("/runs", response={201: dict})
def launch_run(request, body: FeedbackIn):
    """Sample and judge (RL-CAI, SALMON, Self-Rewarding) or critique and revise (SL-CAI) a prompt
    set under a constitution version; or, with `pairs_from`, label given pairs as they are (to
    measure the judge against their labels). `config` holds FeedbackConfig's choices."""
    require(request.user, "operator")
    version = get_object_or_404(ConstitutionVersion, pk=body.constitution_version)
    prompt_set = get_object_or_404(PromptSet, pk=body.prompt_set) if body.prompt_set is not None else None
    pairs_from = None
    if body.pairs_from is not None:
        pairs_from = pair_sources(request.user).filter(pk=body.pairs_from).first()
        if pairs_from is None:
            raise UserError(f"pairs_from: run {body.pairs_from} is not a finished run or imported set with pairs "
                            "you may see")
    job = launch_feedback(request.user, prompt_set, version, choices_of(body.config), limit=body.limit,
                          queue=check_queue(body.queue), pairs_from=pairs_from, review_guidelines=body.review_guidelines,
                          offset=body.offset, sample_seed=body.sample_seed, shards=body.shards)
    return 201, {"id": job.pk, "status": job.status, "config": job.config}


def _row(r: dict) -> dict:
    run = r["run"]
    return {k: v for k, v in r.items() if k != "run"} | {"run": run.pk}


@router.get("/judges")
def judge_leaderboard(request, set: int | None = None):
    """Every judge configuration measured on one set (default: the newest judged), best κ first."""
    require(request.user, "viewer")
    sets = judges.sets_judged(request.user)
    chosen = set if set is not None else (sets[0][0] if sets else None)
    rows = judges.leaderboard(request.user, chosen) if chosen is not None else []
    return {"sets": [{"run": k, "name": n} for k, n in sets], "set": chosen, "judges": [_row(r) for r in rows]}


@router.get("/judges/{id:pk}")
def judge_report(request, pk: int):
    """One run on given pairs measured against their labels: overall, per principle, calibration."""
    require(request.user, "viewer")
    run = get_object_or_404(judges.given_runs(request.user), pk=pk)
    cal = judges.calibration(request.user, run)
    return judges.report(run) | {"calibration": {
        "fit_on": cal["fit_on"].pk, "test": cal["test"].pk if cal["test"] else None, "in_sample": cal["in_sample"],
        "temperatures": cal["temperatures"], "effect": cal["effect"]}}


@router.post("/judges/{id:pk}/recommend")
def recommend(request, pk: int):
    """Mark this run's judge configuration as the project's recommended judge."""
    require(request.user, "operator")
    run = get_object_or_404(judges.given_runs(request.user), pk=pk)
    judges.recommend(request.user, run)
    return {"recommended": run.pk, "judge": judges.judge_config(run)}
