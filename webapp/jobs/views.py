import json

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from webapp.accounts.roles import role_required
from webapp.jobs import selectors, services
from webapp.jobs.models import Job
from webapp.feedback.selectors import pair_page
from webapp.prompts.selectors import response_page
from webapp.training.models import Evaluation, TrainedModel


def _int(raw) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


def job_list(request):
    template = "jobs/_rows.html" if request.GET.get("partial") else "jobs/list.html"
    return render(request, template, {"jobs": selectors.recent_jobs()})


def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=pk)
    context = {"job": job, "state": selectors.job_state(job), "artifacts": job.artifacts.all(),
               "metric_order": json.dumps({"first": selectors.METRIC_ORDER, "last": selectors.METRIC_LAST})}
    if job.kind == "sample_responses":
        context.update(response_page(job, after=request.GET.get("after")))
        if request.GET.get("partial") == "responses":
            return render(request, "jobs/_responses.html", context)
    if job.kind == "feedback":
        context.update(pair_page(job, after=_int(request.GET.get("after"))))
        if request.GET.get("partial") == "pairs":
            return render(request, "jobs/_pairs.html", context)
    if job.kind == "train":
        context["trained_model"] = TrainedModel.objects.filter(job=job).first()
    if job.kind == "evaluate":
        context["evaluation"] = Evaluation.objects.filter(job=job).first()
    return render(request, "jobs/detail.html", context)


def job_state(request, pk: int):
    job = get_object_or_404(Job.objects.select_related("created_by"), pk=pk)
    try:
        after = int(request.GET.get("after_step", -1))
    except ValueError:
        after = -1
    return JsonResponse({**selectors.job_state(job), "metrics": selectors.metrics_since(job, after)})


@require_POST
@role_required("operator")
def worker_check(request):
    queue = request.POST.get("queue", "default")
    if queue not in services.QUEUES:
        messages.error(request, f"unknown queue {queue!r}")
        return redirect("jobs")
    job = services.launch("worker_check", {}, request.user, queue=queue)
    return redirect("job_detail", pk=job.pk)


def _act(request, pk: int, action, done: str):
    job = get_object_or_404(Job, pk=pk)
    try:
        action(job)
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
