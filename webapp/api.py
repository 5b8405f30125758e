"""The REST API (django-ninja; OpenAPI at /api/docs). Session auth with CSRF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from alignment.constitution import ConstitutionError
from alignment.errors import UserError
from webapp.constitutions.api import router as constitutions_router
from webapp.training.api import router as training_router
from webapp.review.api import router as pairs_router
from webapp.constitutions.services import InUse, VersionConflict
from alignment.models import DEFAULT_MODEL
from webapp.accounts.roles import require
from webapp.jobs import selectors, services
from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet
from webapp.prompts.selectors import prompt_sets_with_counts
from webapp.prompts.services import launch_sampling

# Session auth checks CSRF; the interactive docs and the OpenAPI document need a login too.
api = NinjaAPI(title="Charter API", version="1", auth=django_auth, docs_decorator=login_required)
api.add_router("/constitutions", constitutions_router)
api.add_router("/pairs", pairs_router)
api.add_router("/training", training_router)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "forbidden"}, status=403)


@api.exception_handler(UserError)
def user_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(ConstitutionError)
def invalid_constitution(request, exc):
    return api.create_response(request, {"detail": "invalid constitution", "problems": exc.problems}, status=400)


@api.exception_handler(VersionConflict)
def version_conflict(request, exc):
    return api.create_response(
        request, {"detail": str(exc), "base_version": exc.base.number, "head_version": exc.head.number}, status=409
    )


@api.exception_handler(InUse)
def in_use(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(services.JobStateError)
def conflict(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


class SampleIn(Schema):
    prompt_set: int
    limit: int | None = None
    model: str = DEFAULT_MODEL
    n: int = 4
    temperature: float = 0.7
    top_p: float = 0.9
    max_new_tokens: int = 128
    seed: int = 0
    batch_size: int = 8
    queue: str = "default"


class PromptSetOut(Schema):
    id: int
    name: str
    description: str
    source: str
    prompt_count: int


@api.get("/prompt-sets", response=list[PromptSetOut], tags=["prompts"])
def list_prompt_sets(request):
    require(request.user, "viewer")
    return list(prompt_sets_with_counts())


@api.get("/jobs", tags=["jobs"])
def list_jobs(request, before: int | None = None, limit: int = 50):
    require(request.user, "viewer")
    return [selectors.job_state(j) | {"log": None} for j in selectors.recent_jobs(min(max(limit, 1), 200), before)]


@api.get("/jobs/{int:job_id}", tags=["jobs"])
def get_job(request, job_id: int, after_step: int = -1):
    require(request.user, "viewer")
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=job_id)
    return {**selectors.job_state(job), "config": job.config, "metrics": selectors.metrics_since(job, after_step)}


@api.post("/jobs/sample", tags=["jobs"])
def create_sample_job(request, body: SampleIn):
    require(request.user, "operator")
    if body.queue not in services.QUEUES:
        raise UserError(f"queue must be one of {', '.join(services.QUEUES)}")
    prompt_set = get_object_or_404(PromptSet, pk=body.prompt_set)
    job = launch_sampling(request.user, prompt_set, body.dict())
    return {"id": job.pk, "status": job.status}


@api.post("/jobs/{int:job_id}/cancel", tags=["jobs"])
def cancel_job(request, job_id: int):
    require(request.user, "operator")
    job = services.cancel(get_object_or_404(Job, pk=job_id))
    return {"id": job.pk, "status": job.status, "cancel_requested": job.cancel_requested}


@api.post("/jobs/{int:job_id}/retry", tags=["jobs"])
def retry_job(request, job_id: int):
    require(request.user, "operator")
    job = services.retry(get_object_or_404(Job, pk=job_id))
    return {"id": job.pk, "status": job.status}
