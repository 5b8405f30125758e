"""Shared helpers for what a kind hands its child: the job's inputs, written into its run folder
(so every run's exact inputs are kept) and named by path in its config."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from alignment import records
from alignment.config import Config
from webapp.constitutions.models import ConstitutionVersion
from webapp.jobs.folders import run_folder
from webapp.jobs.models import Job

C = TypeVar("C", bound=Config)


def config_of(job: Job, cls: type[C], **files: str) -> C:
    """The run's config: the choices the job snapshotted at launch, plus the files written here."""
    return cls.from_snapshot(job.config, **files)


def write_rows(job: Job, name: str, rows: Iterable[dict]) -> str:
    """JSONL rows (prompt rows, pairs) as `name` in the job's folder; returns the path."""
    return str(records.write_jsonl(run_folder(job) / name, rows))


def write_constitution(job: Job, version_id: int, name: str = "constitution.yaml") -> str:
    path = run_folder(job) / name
    path.write_text(ConstitutionVersion.objects.get(pk=version_id).document().to_yaml(), encoding="utf-8")
    return str(path)
