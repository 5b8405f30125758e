"""Which datasets a user may see, and what they derive from (webapp/constitutions/visibility.py)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from alignment.errors import UserError
from webapp.datasets.models import Dataset
from webapp.jobs.selectors import visible_jobs


def visible_datasets(user) -> QuerySet[Dataset]:
    """Datasets whose export job this user may see (the job derives from the versions of the
    pairs it wrote)."""
    return Dataset.objects.filter(Q(job__isnull=True) | Q(job__in=visible_jobs(user)))


def lineage(dataset: Dataset | None) -> set[int]:
    if dataset is None or dataset.job is None:
        return set()
    return set(dataset.job.derived_from.values_list("pk", flat=True))


def check_dataset(user, dataset: Dataset | None) -> Dataset | None:
    """The dataset if this user may use it; a hidden one is refused like a missing one."""
    if dataset is not None and not visible_datasets(user).filter(pk=dataset.pk).exists():
        raise UserError(f"no dataset {dataset.pk}")
    return dataset
