"""Datasets over the REST API (mounted at /api/pairs beside the pairs, as it always was):
list, detail and launching an export of the pairs list's filter."""

from __future__ import annotations

from django.urls import reverse
from ninja import Field, Router, Schema

from alignment.errors import UserError
from webapp.accounts.roles import require
from webapp.core.lookups import get_or_400, get_or_404
from webapp.datasets.export import launch_export
from webapp.datasets.models import Dataset
from webapp.datasets.selectors import visible_datasets
from webapp.feedback.judges import given_runs
from webapp.pairs.api import FILTER_FIELDS, bad_filter
from webapp.prompts.selectors import sampling_runs

router = Router(tags=["datasets"])


class ExportIn(Schema):
    name: str
    kind: str = Field("preference", description="preference, sft or unpaired (KTO's good / bad examples)")
    format: str = "jsonl"
    keep_ties: bool = False
    filter: dict[str, str | int | float] = Field(default_factory=dict, description="the pairs list's filter")
    also: list[dict[str, str | int | float]] = Field(default_factory=list,
                                                    description="more filters (runs, imports) combined into one export")
    heldout: float = Field(0.0, description="share of pairs (drawn from the seed) written to a held-out dataset")
    seed: int = 0
    threshold: float = Field(3.0, description="unpaired: a pointwise score at or above this is a good example")
    calibrate: int | None = Field(None, description="a judge's run on given pairs: scale the soft labels its judge "
                                                    "configuration made by the temperatures fitted on it")
    rounds: str = Field("all", description="sft: SL-CAI's revision of every round (all, as the paper) or only the last")
    helpful: int | None = Field(None, description="sft: a sampling run on benign prompts whose answers are mixed in")
    helpful_share: float = Field(0.0, description="sft: the share of the dataset's records that are helpful answers")


def _dataset(d: Dataset) -> dict:
    return {"id": d.pk, "name": d.name, "kind": d.kind, "format": d.format, "filter": d.filter,
            "keep_ties": d.keep_ties, "job": d.job_id, "status": d.job.status if d.job else None, "ready": d.ready,
            "rows": d.rows,
            "counts": d.counts, "sha256": d.sha256 or None, "size_bytes": d.size_bytes,
            "created_by": d.created_by.username if d.created_by else None, "created_at": d.created_at.isoformat(),
            "download_url": reverse("dataset_download", args=[d.pk]) if d.ready else None}


@router.get("/datasets")
def list_datasets(request, before: int | None = None, limit: int = 50):
    """Newest first; pass the last id as `before` for the next page."""
    require(request.user, "viewer")
    qs = visible_datasets(request.user).select_related("job", "created_by").order_by("-id")
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return [_dataset(d) for d in qs[: min(max(limit, 1), 200)]]


@router.get("/datasets/{id:pk}")
def get_dataset(request, pk: int):
    require(request.user, "viewer")
    return _dataset(get_or_404(visible_datasets(request.user).select_related("job", "created_by"), pk))


@router.post("/export")
def export(request, body: ExportIn):
    """Launch an export job for the filter; the dataset is ready when `sha256` is set."""
    require(request.user, "operator")
    for source in [body.filter, *body.also]:
        unknown = sorted(set(source) - set(FILTER_FIELDS))
        if unknown:
            known = ", ".join(FILTER_FIELDS)
            return bad_filter([f"unknown filter field(s): {', '.join(unknown)}; known: {known}"])
    query = {k: str(v) for k, v in body.filter.items()}
    also = [{k: str(v) for k, v in source.items()} for source in body.also]
    calibrate = get_or_400(given_runs(request.user), body.calibrate, "judge run to calibrate with")
    helpful = get_or_400(sampling_runs(request.user), body.helpful, "sampling run")
    if body.rounds not in ("all", "last"):
        raise UserError("rounds must be all or last")
    dataset = launch_export(request.user, body.name, query, body.kind, keep_ties=body.keep_ties, format=body.format,
                            also=also, heldout=body.heldout, seed=body.seed, threshold=body.threshold,
                            calibrate=calibrate, every_round=body.rounds == "all", helpful=helpful,
                            helpful_share=body.helpful_share)
    return _dataset(Dataset.objects.select_related("job", "created_by").get(pk=dataset.pk))
