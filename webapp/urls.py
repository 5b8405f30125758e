from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from webapp.api import api
from webapp.home.views import home


@login_not_required
def healthz(request):
    return JsonResponse({"ok": True})


def _api_urls():
    # The API answers 401 itself instead of redirecting to the login page.
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.__dict__["login_required"] = False
    return patterns, app_name, namespace


@login_not_required
def favicon(request):
    return redirect(static("charter/favicon.svg"), permanent=True)


urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon),
    path("healthz", healthz),
    path("accounts/", include("webapp.accounts.urls")),
    path("jobs/", include("webapp.jobs.urls")),
    path("prompts/", include("webapp.prompts.urls")),
    path("constitutions/", include("webapp.constitutions.urls")),
    path("feedback/", include("webapp.feedback.urls")),
    path("pairs/", include("webapp.datasets.urls")),
    path("pairs/", include("webapp.pairs.urls")),
    path("training/", include("webapp.training.urls")),
    path("playground/", include("webapp.playground.urls")),
    path("admin/", admin.site.urls),
    path("api/", _api_urls()),
]
