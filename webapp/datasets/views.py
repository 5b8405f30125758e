"""Dataset pages: export a filter of pairs, list datasets, show one and download its file."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment.errors import UserError
from webapp.accounts.roles import role_required
from webapp.datasets.export import dataset_path, launch_export
from webapp.datasets.selectors import visible_datasets


@require_POST
@role_required("operator")
def export_pairs(request):
    query = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "name", "kind", "keep_ties", "format")}
    try:
        dataset = launch_export(request.user, request.POST.get("name", ""), query, request.POST.get("kind", "preference"),
                                keep_ties=request.POST.get("keep_ties") == "on", format=request.POST.get("format", "jsonl"))
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
