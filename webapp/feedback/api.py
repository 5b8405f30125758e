"""Feedback runs over the REST API (mounted at /api/feedback)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from alignment.feedback.pipeline import FeedbackConfig
from webapp.accounts.roles import require
from webapp.constitutions.models import ConstitutionVersion
from webapp.core.schemas import choices_of, config_schema
from webapp.feedback.services import launch_feedback
from webapp.jobs.services import check_queue
from webapp.prompts.models import PromptSet

router = Router(tags=["feedback"])


class FeedbackIn(Schema):
    prompt_set: int
    constitution_version: int
    limit: int | None = None
    queue: str = "default"
    config: config_schema(FeedbackConfig) = Field(default_factory=dict)  # type: ignore[valid-type]


@router.post("/runs", response={201: dict})
def launch_run(request, body: FeedbackIn):
    """Sample and judge (RL-CAI, SALMON, Self-Rewarding) or critique and revise (SL-CAI) a prompt
    set under a constitution version; `config` holds FeedbackConfig's choices."""
    require(request.user, "operator")
    version = get_object_or_404(ConstitutionVersion, pk=body.constitution_version)
    job = launch_feedback(request.user, get_object_or_404(PromptSet, pk=body.prompt_set), version,
                          choices_of(body.config), limit=body.limit, queue=check_queue(body.queue))
    return 201, {"id": job.pk, "status": job.status, "config": job.config}
