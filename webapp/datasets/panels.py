"""What an export job adds to its job page: the dataset it writes."""

from __future__ import annotations

from webapp.datasets.models import Dataset
from webapp.jobs.registry import Panel


def _dataset(request, job) -> dict | None:
    dataset = Dataset.objects.filter(job=job).first()
    return {"dataset": dataset} if dataset else None


DATASET = Panel("dataset", "datasets/_export_panel.html", _dataset, top=True)
