"""Jobs over the REST API (mounted at /api/jobs): list, detail, cancel, retry."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router

from webapp.accounts.roles import require
from webapp.jobs import selectors, services

router = Router(tags=["jobs"])


@router.get("")
def list_jobs(request, before: int | None = None, limit: int = 50):
    require(request.user, "viewer")
    return [selectors.job_state(j) | {"log": None} for j in selectors.recent_jobs(request.user, min(max(limit, 1), 200), before)]


@router.get("/{id:job_id}")
def get_job(request, job_id: int, after_step: int = -1):
    require(request.user, "viewer")
    job = get_object_or_404(selectors.visible_jobs(request.user).select_related("created_by"), pk=job_id)
    return {**selectors.job_state(job), "config": job.config, "metrics": selectors.metrics_since(job, after_step)}


@router.post("/{id:job_id}/cancel")
def cancel_job(request, job_id: int):
    require(request.user, "operator")
    job = services.cancel(get_object_or_404(selectors.visible_jobs(request.user), pk=job_id), request.user)
    return {"id": job.pk, "status": job.status, "cancel_requested": job.cancel_requested}


@router.post("/{id:job_id}/retry")
def retry_job(request, job_id: int):
    require(request.user, "operator")
    job = services.retry(get_object_or_404(selectors.visible_jobs(request.user), pk=job_id), request.user)
    return {"id": job.pk, "status": job.status}
