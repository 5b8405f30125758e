"""Dataset pages: export a filter of pairs, list datasets, show one and download its file."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from webapp.accounts.roles import role_required
from webapp.constitutions.visibility import visible_versions
from webapp.core.forms import chosen
from webapp.core.lookups import get_or_400
from webapp.datasets.export import dataset_path, launch_export
from webapp.datasets.selectors import visible_datasets
from webapp.feedback.forms import FeedbackForm
from webapp.feedback.judges import given_runs, recommended_initial
from webapp.feedback.services import launch_feedback
from webapp.prompts.selectors import sampling_runs


@require_POST
@role_required("operator")
def export_pairs(request):
    options = ("csrfmiddlewaretoken", "name", "kind", "keep_ties", "format", "also_run", "heldout", "seed", "threshold",
               "calibrate", "rounds", "helpful_run", "helpful_share")
    query = {k: v for k, v in request.POST.items() if k not in options}
    also = [{"run": run} for run in request.POST.getlist("also_run") if run]
    try:
        heldout, helpful_share = float(request.POST.get("heldout") or 0), float(request.POST.get("helpful_share") or 0)
        seed, threshold = int(request.POST.get("seed") or 0), float(request.POST.get("threshold") or 3)
    except ValueError:
        messages.error(request, "Export refused: heldout, helpful share, seed and threshold must be numbers")
        return redirect("/pairs/?" + urlencode({k: v for k, v in query.items() if v}))
    try:
        calibrate = get_or_400(given_runs(request.user), request.POST.get("calibrate") or None, "judge run to calibrate with")
        helpful = get_or_400(sampling_runs(request.user), request.POST.get("helpful_run") or None, "sampling run")
        dataset = launch_export(request.user, request.POST.get("name", ""), query, request.POST.get("kind", "preference"),
                                keep_ties=request.POST.get("keep_ties") == "on", format=request.POST.get("format", "jsonl"),
                                also=also, heldout=heldout, seed=seed, threshold=threshold, calibrate=calibrate,
                                every_round=request.POST.get("rounds", "all") != "last", helpful=helpful,
                                helpful_share=helpful_share)
    except UserError as exc:
        messages.error(request, f"Export refused: {exc}")
        return redirect("/pairs/?" + urlencode({k: v for k, v in query.items() if v}))
    messages.success(request, f"Exporting {dataset.name!r} as job {dataset.job_id}.")
    return redirect("dataset", pk=dataset.pk)


def dataset_list(request):
    datasets = visible_datasets(request.user).select_related("job", "created_by")[:200]
    return render(request, "datasets/list.html", {"datasets": datasets})


def dataset_detail(request, pk: int):
    dataset = get_object_or_404(visible_datasets(request.user).select_related("job", "created_by"), pk=pk)
    template = "datasets/_state.html" if request.GET.get("partial") else "datasets/detail.html"
    return render(request, template, {"d": dataset})


def dataset_download(request, pk: int):
    dataset = get_object_or_404(visible_datasets(request.user), pk=pk)
    path = dataset_path(dataset)  # built from the id alone: no user text reaches the path
    if not dataset.ready or not path.is_file():
        raise Http404("this dataset has not been written yet")
    types = {"jsonl": "application/jsonl", "parquet": "application/vnd.apache.parquet", "hf": "application/x-tar"}
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type=types[dataset.format])


@role_required("operator")
def judge_dataset(request, pk: int):
    """A feedback run whose judge labels this dataset's pairs as they are (both orders)."""
    dataset = get_object_or_404(visible_datasets(request.user), pk=pk)
    versions = visible_versions(request.user).order_by("name", "-number")
    form = FeedbackForm(request.POST or None, versions=versions, initial=recommended_initial(request.user))
    for name in ("prompt_set", "pairs_from"):
        del form.fields[name]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_feedback(request.user, None, data["constitution_version"], chosen(FeedbackConfig, data),
                                  limit=data.get("limit"), queue=data["queue"], dataset=dataset)
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Feedback run {job.pk} queued on the pairs of {dataset.name!r}.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "feedback/new.html", {"form": form, "dataset": dataset})
