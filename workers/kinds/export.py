"""The "export" job: write a Dataset's file (webapp/datasets/export.py); no child process."""

from __future__ import annotations

from webapp.datasets.export import write
from webapp.datasets.models import Dataset
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    dataset = Dataset.objects.get(pk=ctx.job.config["dataset"])

    def progress(n: int) -> None:
        ctx.check_cancel()
        ctx.progress(n, None, f"{n} pairs read")

    dataset = write(dataset, ctx.job.created_by, progress)
    ctx.progress(sum(dataset.counts.values()), sum(dataset.counts.values()), f"{dataset.rows} records written")
    return {"rows": dataset.rows, "counts": dataset.counts, "sha256": dataset.sha256}
