"""Pairs and reviews over the REST API: the same filters, cursor, visibility and
services as the pages (mounted at /api/pairs)."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from alignment.errors import UserError
from webapp.accounts.roles import require
from webapp.feedback.models import PreferencePair
from webapp.feedback.selectors import visible_pairs
from webapp.pairs import selectors
from webapp.pairs.importing import MAX_BYTES, import_pairs
from webapp.pairs.models import Review
from webapp.pairs.services import ReviewConflict, ReviewError, submit

router = Router(tags=["pairs"])

FILTER_FIELDS = tuple(name for name in selectors.PairFilter.__dataclass_fields__ if name != "errors")


class PairQuery(Schema):
    """The pairs list's filter, as the /pairs/ page takes it; values are checked by PairFilter,
    so a bad one gets the page's message, not a schema error."""

    run: str = Field("", description="run (job id)")
    version: str = Field("", description="constitution version id")
    principle: str = Field("", description="principle key")
    method: str = ""
    margin_min: str = ""
    margin_max: str = ""
    margin_below: str = Field("", description="exclusive upper bound on the margin")
    length_min: str = Field("", description="characters of chosen minus rejected, at least")
    length_max: str = ""
    ties: str = Field("", description="yes, no or empty")
    disagreement: str = Field("", description="order disagreement: yes, no or empty")
    reviewed: str = ""
    judge_human: str = Field("", description="yes: a reviewer flipped or tied the judge's choice")
    q: str = Field("", description="search over prompts, responses and judge rationales")
    sort: str = Field("id", description=", ".join(selectors.SORTS))
    after: str = Field("", description="the `next` cursor of the previous page")


class ReviewIn(Schema):
    verdict: str
    review_version: int = Field(description="the pair's review_version the review was made against")
    reason: str = ""
    comment: str = ""
    correction: str = Field("", description="a better response: exports make it the chosen one, with its provenance")


def bad_filter(errors: list[str]) -> JsonResponse:
    return JsonResponse({"detail": "invalid filter", "errors": errors}, status=400)


def _snippet(p) -> dict:
    return {"id": p.id, "run": p.job_id, "constitution_version": p.constitution_version_id, "method": p.method,
            "principles": p.principles, "prompt_snippet": p.prompt_snippet, "chosen_snippet": p.chosen_snippet,
            "rejected_snippet": p.rejected_snippet, "soft_label": p.soft_label, "margin": p.margin, "tie": p.tie,
            "order_disagreement": p.order_disagreement, "length_diff": p.length_diff,
            "human_verdict": p.human_verdict, "review_count": p.review_count}


def _state(pair: PreferencePair) -> dict:
    return {"id": pair.pk, "human_verdict": pair.human_verdict, "review_count": pair.review_count,
            "review_version": pair.review_version}


def _review(r: Review) -> dict:
    return {"id": r.pk, "reviewer": r.reviewer.username, "verdict": r.verdict, "reason": r.reason, "comment": r.comment,
            "correction": r.correction,
            "created_at": r.created_at.isoformat(), "updated_at": r.updated_at.isoformat()}


def _judgment(j) -> dict:
    return {"key": j.key, "judge_model": j.judge_model, "principle": j.principle_key, "order": j.order,
            "negated": j.negated, "response_index": j.response_index, "p_a": j.p_a, "p_first": j.p_first,
            "score": j.score, "parse_status": j.parse_status, "raw": j.raw, "rationale": j.rationale,
            "latency_ms": j.latency_ms}


def _visible_pair(request, pk: int) -> PreferencePair:
    pairs = visible_pairs(request.user).select_related("prompt", "constitution_version")
    return get_object_or_404(pairs, pk=pk)


@router.get("")
def list_pairs(request, filters: Query[PairQuery]):
    """One keyset page of the pairs you may see, as snippets; `next` is the cursor of the page
    after it (null on the last). Nothing counts the matching pairs."""
    require(request.user, "viewer")
    query = filters.dict()
    f = selectors.PairFilter.from_query(query)
    if f.errors:
        return bad_filter(f.errors)
    try:
        page = selectors.pair_page(visible_pairs(request.user), f, query["after"].strip())
    except selectors.FilterError as exc:
        return bad_filter([str(exc)])
    return {"pairs": [_snippet(p) for p in page["pairs"]], "next": page["next_cursor"]}


@router.get("/{id:pk}")
def get_pair(request, pk: int):
    require(request.user, "viewer")
    pair = _visible_pair(request, pk)
    detail = selectors.pair_detail(pair)
    version = pair.constitution_version
    return {**_state(pair), "run": pair.job_id, "method": pair.method, "principles": pair.principles,
            "negated": pair.negated, "prompt": pair.prompt.text, "chosen": pair.chosen, "rejected": pair.rejected,
            "soft_label": pair.soft_label, "margin": pair.margin, "tie": pair.tie,
            "order_disagreement": pair.order_disagreement, "length_diff": pair.length_diff,
            "chosen_score": pair.chosen_score, "rejected_score": pair.rejected_score,
            "constitution_version": {"id": version.pk, "constitution": version.constitution_id,
                                     "number": version.number} if version else None,
            "judgments": [_judgment(j) for j in detail["judgments"]],
            "reviews": [_review(r) for r in detail["reviews"]]}


@router.post("/{id:pk}/review")
def review(request, pk: int, body: ReviewIn):
    """409 when review_version is stale: the answer holds the reviews that landed and yours,
    which was not saved."""
    require(request.user, "reviewer")
    pair = _visible_pair(request, pk)
    try:
        done = submit(request.user, pair.pk, body.verdict, body.review_version, reason=body.reason,
                      comment=body.comment, correction=body.correction)
    except ReviewError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    except ReviewConflict as exc:
        reviews = exc.pair.reviews.select_related("reviewer").order_by("id")
        return JsonResponse({"detail": str(exc), "pair": _state(exc.pair), "reviews": [_review(r) for r in reviews],
                             "yours": body.dict()}, status=409)
    return {"review": _review(done.review), "pair": _state(done.pair)}


@router.post("/imports", response={201: dict})
def import_set(request, file: File[UploadedFile], name: Form[str], source: Form[str] = "human",
               split: Form[bool] = False):
    """Import a JSONL or Parquet file of pairs (prompt, chosen, rejected) as a human-labelled or
    external set; `split` makes a calibration part and a test part. Judge it with a feedback run
    whose `pairs_from` is the import's run id."""
    require(request.user, "operator")
    if (file.size or 0) > MAX_BYTES:
        raise UserError(f"{file.name}: {file.size} bytes; the limit is {MAX_BYTES}")
    job = import_pairs(request.user, name, source, file.name or "upload", file.read(), split=split)
    return 201, {"id": job.pk, "name": job.config["name"], "pairs": job.result["pairs"]}
