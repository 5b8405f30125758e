"""Prompt sets, sampling and synthesis over the REST API; launch bodies come from the config
dataclasses (webapp/core/schemas.py)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from alignment.sampling import SampleConfig
from alignment.synthesis import SynthesisConfig
from webapp.accounts.roles import require
from webapp.core.schemas import choices_of, config_schema, flat_schema
from webapp.jobs.services import check_queue
from webapp.prompts.models import PromptSet
from webapp.prompts.selectors import prompt_sets_with_counts
from webapp.prompts.services import launch_sampling
from webapp.prompts.synthesis import launch_synthesis

router = Router(tags=["prompts"])
INPUTS = ("prompt_set", "limit", "offset", "sample_seed", "shards", "queue")
SampleIn = flat_schema(SampleConfig, "SampleIn", prompt_set=(int, ...), limit=(int | None, None), offset=(int, 0),
                       sample_seed=(int | None, None), shards=(int, 1), queue=(str, "default"))


class PromptSetOut(Schema):
    id: int
    name: str
    description: str
    source: str
    prompt_count: int


class SynthesizeIn(Schema):
    source: int = Field(description="the seed prompt set")
    name: str = Field(description="the name of the new prompt set the job fills")
    queue: str = "default"
    config: config_schema(SynthesisConfig) = Field(default_factory=dict)  # type: ignore[valid-type]


@router.get("/prompt-sets", response=list[PromptSetOut])
def list_prompt_sets(request):
    require(request.user, "viewer")
    return list(prompt_sets_with_counts())


@router.post("/jobs/sample", tags=["jobs"])
def create_sample_job(request, body: SampleIn):  # type: ignore[valid-type]  # built from SampleConfig
    """Sample N responses per prompt; the body holds SampleConfig's choices beside the prompt set."""
    require(request.user, "operator")
    values = body.model_dump()  # type: ignore[attr-defined]
    prompt_set = get_object_or_404(PromptSet, pk=values["prompt_set"])
    job = launch_sampling(request.user, prompt_set, choices_of(body, INPUTS), limit=values["limit"],
                          queue=check_queue(values["queue"]), offset=values["offset"], sample_seed=values["sample_seed"],
                          shards=values["shards"])
    return {"id": job.pk, "status": job.status}


@router.post("/prompt-sets/synthesize", response={201: dict})
def synthesize(request, body: SynthesizeIn):
    """Write a new prompt set from a seed set, self-instruct style; `config` holds SynthesisConfig's choices."""
    require(request.user, "operator")
    job = launch_synthesis(request.user, get_object_or_404(PromptSet, pk=body.source), body.name,
                           choices_of(body.config), queue=check_queue(body.queue))
    return 201, {"id": job.pk, "status": job.status, "prompt_set": job.config["target_set"]}
