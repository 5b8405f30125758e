"""The REST API (django-ninja; OpenAPI at /api/docs). Session auth with CSRF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from ninja import NinjaAPI
from ninja.security import django_auth

from alignment.constitution import ConstitutionError
from alignment.errors import UserError
from webapp.constitutions.api import router as constitutions_router
from webapp.constitutions.services import InUse, VersionConflict
from webapp.datasets.api import router as datasets_router
from webapp.feedback.api import router as feedback_router
from webapp.jobs import services
from webapp.jobs.api import router as jobs_router
from webapp.pairs.api import router as pairs_router
from webapp.prompts.api import router as prompts_router
from webapp.training.api import router as training_router

# Session auth checks CSRF; the interactive docs and the OpenAPI document need a login too.
api = NinjaAPI(title="Charter API", version="1", auth=django_auth, docs_decorator=login_required)
api.add_router("", prompts_router)
api.add_router("/jobs", jobs_router)
api.add_router("/constitutions", constitutions_router)
api.add_router("/feedback", feedback_router)
api.add_router("/pairs", datasets_router)
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
