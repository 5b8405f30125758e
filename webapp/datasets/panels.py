"""What an export job adds to its job page: the dataset it writes."""

from __future__ import annotations

from webapp.datasets.models import Dataset
from webapp.jobs.registry import Panel


def _dataset(request, job) -> dict | None:
    datasets = list(Dataset.objects.filter(job=job).order_by("pk"))
    return {"datasets": datasets} if datasets else None


DATASET = Panel("dataset", "datasets/_export_panel.html", _dataset, top=True)
