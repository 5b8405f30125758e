import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from webapp.accounts.roles import role_required
from webapp.core import presence
from webapp.core.lookups import as_int
from webapp.jobs import registry, selectors, services


def job_list(request):
    template = "jobs/_rows.html" if request.GET.get("partial") else "jobs/list.html"
    return render(request, template, {"jobs": selectors.recent_jobs(request.user)})


def job_detail(request, pk: int):
    job = get_object_or_404(selectors.visible_jobs(request.user).select_related("created_by"), pk=pk)
    panels = [(panel, panel.context(request, job)) for panel in registry.panels_for(job.kind)]
    partial = request.GET.get("partial")
    for panel, context in panels:
        if partial and panel.partial and panel.name == partial and context is not None:
            return render(request, panel.partial, {"job": job, **context})
    shown = [(panel.top, render_to_string(panel.template, {"job": job, **context}, request))
             for panel, context in panels if context is not None]
    return render(request, "jobs/detail.html", {
        "job": job, "state": selectors.job_state(job), "artifacts": job.artifacts.all(),
        "top_panels": [html for top, html in shown if top], "panels": [html for top, html in shown if not top],
        "kind_label": registry.KINDS.get(job.kind, job.kind),
        "unserved": job.status == job.Status.QUEUED and presence.serves(job.queue) is False,
        "metric_order": json.dumps({"first": selectors.METRIC_ORDER, "last": selectors.METRIC_LAST})})


def job_state(request, pk: int):
    job = get_object_or_404(selectors.visible_jobs(request.user).select_related("created_by"), pk=pk)
    after = as_int(request.GET.get("after_step"), -1, low=-1)
    return JsonResponse({**selectors.job_state(job), "metrics": selectors.metrics_since(job, after)})


@require_POST
@role_required("operator")
def worker_check(request):
    queue = request.POST.get("queue", "default")
    if not services.is_queue(queue):
        messages.error(request, f"unknown queue {queue!r}")
        return redirect("jobs")
    job = services.launch("check", {}, request.user, queue=queue)
    return redirect("job_detail", pk=job.pk)


def _act(request, pk: int, action, done: str):
    job = get_object_or_404(selectors.visible_jobs(request.user), pk=pk)
    try:
        action(job, request.user)
        messages.info(request, done.format(pk=job.pk))
    except services.JobStateError as exc:
        messages.error(request, str(exc))
    return redirect("job_detail", pk=pk)


@require_POST
@role_required("operator")
def job_cancel(request, pk: int):
    return _act(request, pk, services.cancel, "Cancel requested for job {pk}.")


@require_POST
@role_required("operator")
def job_retry(request, pk: int):
    return _act(request, pk, services.retry, "Job {pk} queued again.")
