"""The "export" job: write a Dataset's file (webapp/datasets/export.py); no child process."""

from __future__ import annotations

from webapp.datasets.export import write
from webapp.datasets.models import Dataset
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    cfg = ctx.job.config
    ids = cfg.get("datasets") or [cfg["dataset"]]  # an export with a held-out part writes two
    written = {}
    for dataset in Dataset.objects.filter(pk__in=ids).order_by("pk"):
        def progress(n: int, name: str = dataset.name) -> None:
            ctx.check_cancel()
            ctx.progress(n, None, f"{name}: {n} pairs read")

        dataset = write(dataset, ctx.job.created_by, progress)
        written[dataset.name] = {"rows": dataset.rows, "counts": dataset.counts, "sha256": dataset.sha256}
    rows = sum(d["rows"] for d in written.values())
    ctx.progress(rows, rows, f"{rows} records written")
    return {"datasets": written, **next(iter(written.values()))}
