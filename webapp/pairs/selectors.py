"""Reads behind the pairs pages: filters, keyset pages, the review queue.

Pages are keyset-paginated on (sort column, id), so a deep page costs what the first does and
pairs arriving meanwhile never shift rows between pages; nothing counts the whole table; the
list reads snippets, never full texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from alignment import records
from webapp.feedback.models import IMPORTED, METHODS, Judgment, PreferencePair
from webapp.pairs.models import Review

PAGE = 50
SNIPPET = 160
SORTS = {"id": "id", "-id": "-id", "margin": "margin", "-margin": "-margin", "length": "length_diff",
         "-length": "-length_diff"}
YES_NO = ("", "yes", "no")


class FilterError(ValueError):
    pass


@dataclass
class PairFilter:
    run: int | None = None
    version: int | None = None
    principle: str = ""
    method: str = ""
    margin_min: float | None = None
    margin_max: float | None = None
    margin_below: float | None = None  # exclusive upper bound: the charts' bins link with it
    ties: str = ""  # "", "yes" (only ties), "no" (no ties)
    disagreement: str = ""  # order disagreement
    reviewed: str = ""
    judge_human: str = ""  # "yes": a reviewer flipped or tied the judge's choice
    length_min: int | None = None
    length_max: int | None = None
    q: str = ""
    category: str = ""  # the prompt's category (a red-team set's, or an imported column's)
    column: str = ""  # another imported column of the prompt, and the value it must have
    value: str = ""
    sort: str = "id"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query) -> PairFilter:
        f = cls()
        f.run, f.version = _int(query, "run", f), _int(query, "version", f)
        f.length_min, f.length_max = _int(query, "length_min", f, signed=True), _int(query, "length_max", f, signed=True)
        f.margin_min, f.margin_max = _float(query, "margin_min", f), _float(query, "margin_max", f)
        f.margin_below = _float(query, "margin_below", f)
        f.principle = query.get("principle", "").strip()[:64]
        f.method = query.get("method", "")
        if f.method and f.method not in dict(METHODS + IMPORTED):
            f.errors.append(f"method must be one of {', '.join(dict(METHODS + IMPORTED))}")
            f.method = ""
        for name in ("ties", "disagreement", "reviewed", "judge_human"):
            value = query.get(name, "")
            if value not in YES_NO:
                f.errors.append(f"{name} must be yes, no or empty")
                value = ""
            setattr(f, name, value)
        f.q = query.get("q", "").strip()[:200]
        f.category = query.get("category", "").strip()[:100]
        f.column, f.value = query.get("column", "").strip(), query.get("value", "").strip()[:200]
        if f.column and ("__" in f.column or not records.COLUMN_NAME.fullmatch(f.column)):
            f.errors.append("column must be an imported column's name: letters, digits and _")
            f.column = ""
        if bool(f.column) != bool(f.value):
            f.errors.append("a column filter needs both the column and its value")
            f.column = f.value = ""
        f.sort = query.get("sort", "id")
        if f.sort not in SORTS:
            f.errors.append(f"sort must be one of {', '.join(SORTS)}")
            f.sort = "id"
        return f

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.run:
            qs = qs.filter(job_id=self.run)
        if self.version:
            qs = qs.filter(constitution_version_id=self.version)
        if self.principle:
            # JSON containment is indexable on PostgreSQL; SQLite has no such lookup.
            qs = qs.filter(principles__contains=[self.principle]) if connection.vendor == "postgresql" \
                else qs.filter(principles__icontains=f'"{self.principle}"')
        if self.method:
            qs = qs.filter(method=self.method)
        if self.margin_min is not None:
            qs = qs.filter(margin__gte=self.margin_min)
        if self.margin_max is not None:
            qs = qs.filter(margin__lte=self.margin_max)
        if self.margin_below is not None:
            qs = qs.filter(margin__lt=self.margin_below)
        if self.length_min is not None:
            qs = qs.filter(length_diff__gte=self.length_min)
        if self.length_max is not None:
            qs = qs.filter(length_diff__lte=self.length_max)
        for name, column in (("ties", "tie"), ("disagreement", "order_disagreement")):
            if getattr(self, name):
                qs = qs.filter(**{column: getattr(self, name) == "yes"})
        if self.reviewed:
            qs = qs.filter(review_count__gt=0) if self.reviewed == "yes" else qs.filter(review_count=0)
        if self.judge_human == "yes":
            qs = qs.filter(human_verdict__in=["flip", "tie", "mixed"])
        elif self.judge_human == "no":
            qs = qs.filter(human_verdict="agree")
        if self.category:
            qs = qs.filter(prompt__category=self.category)
        if self.column:
            qs = qs.filter(**{f"prompt__meta__columns__{self.column}__exact": self.value})
        if self.q:
            rationale = Judgment.objects.filter(job_id=OuterRef("job_id"), prompt_id=OuterRef("prompt_id"),
                                                rationale__icontains=self.q)
            qs = qs.filter(Q(prompt__text__icontains=self.q) | Q(chosen__icontains=self.q)
                           | Q(rejected__icontains=self.q) | Exists(rationale))
        return qs


def _int(query, name, f: PairFilter, signed: bool = False):
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        f.errors.append(f"{name} must be a whole number")
        return None
    if abs(value) > 2**62:
        f.errors.append(f"{name} is out of range")
        return None
    if not signed and value < 1:
        f.errors.append(f"{name} must be positive")
        return None
    return value


def _float(query, name, f: PairFilter):
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        f.errors.append(f"{name} must be a number")
        return None
    if not 0 <= value <= 100:  # pairwise margins lie in [0, 1]; Self-Rewarding's are score gaps
        f.errors.append(f"{name} must be between 0 and 100")
        return None
    return value


def _snippets(qs: QuerySet) -> QuerySet:
    return (qs.defer("chosen", "rejected", "negated")
            .annotate(prompt_snippet=Substr("prompt__text", 1, SNIPPET), chosen_snippet=Substr("chosen", 1, SNIPPET),
                      rejected_snippet=Substr("rejected", 1, SNIPPET)))


def encode_cursor(pair, sort: str) -> str:
    column = SORTS[sort].lstrip("-")
    return f"{getattr(pair, column)}_{pair.id}" if column != "id" else str(pair.id)


def _parse_cursor(sort: str, cursor: str) -> tuple[float | int | None, int]:
    """(sort column value, id) of the row a cursor names; the value is None for the id sort."""
    column = SORTS[sort].lstrip("-")
    try:
        if column == "id":
            return None, int(cursor)
        value, _, last_id = cursor.rpartition("_")
        return (float(value) if column == "margin" else int(value)), int(last_id)
    except ValueError:
        raise FilterError("the page cursor is malformed; start again from the first page") from None


def _after(base: QuerySet, f: PairFilter, cursor: str, backwards: bool = False) -> QuerySet:
    """The filtered rows strictly after the cursor in the sort order (before it when backwards)."""
    column = SORTS[f.sort].lstrip("-")
    op = "lt" if SORTS[f.sort].startswith("-") != backwards else "gt"
    value, last_id = _parse_cursor(f.sort, cursor)
    if value is None:
        return f.apply(base).filter(**{f"id__{op}": last_id})
    # The leading range condition lets the (column, id) index start the scan at the cursor;
    # the OR alone would make some planners (SQLite's) scan from the start.
    qs = _without_superseded_bounds(f, value, backwards).apply(base)
    return qs.filter(**{f"{column}__{op}e": value}).filter(
        Q(**{f"{column}__{op}": value}) | Q(**{column: value, f"id__{op}": last_id}))


# For each sort column and direction: the filter bounds a cursor on that column can imply,
# and the test that it does (the cursor's value lies within the bound).
_SUPERSEDED = {
    "margin": {"asc": {"margin_min": lambda v, b: v >= b},
               "desc": {"margin_max": lambda v, b: v <= b, "margin_below": lambda v, b: v < b}},
    "length_diff": {"asc": {"length_min": lambda v, b: v >= b}, "desc": {"length_max": lambda v, b: v <= b}},
}


def _without_superseded_bounds(f: PairFilter, value, backwards: bool = False) -> PairFilter:
    """Past a cursor on the sort column, the cursor is the tighter bound on that column. Two
    bounds on one column can make SQLite start its index scan at the looser one (measured:
    a deep filtered page at 1M pairs read 180k index entries), so a filter bound the cursor
    implies is dropped."""
    column = SORTS[f.sort].lstrip("-")
    direction = "desc" if SORTS[f.sort].startswith("-") != backwards else "asc"
    implied = {name: None for name, holds in _SUPERSEDED.get(column, {}).get(direction, {}).items()
               if getattr(f, name) is not None and holds(value, getattr(f, name))}
    return replace(f, **implied) if implied else f  # type: ignore[arg-type]


def _ordered(qs: QuerySet, sort: str, backwards: bool = False) -> QuerySet:
    column = SORTS[sort]
    if backwards:
        column = column[1:] if column.startswith("-") else f"-{column}"
    direction = "-" if column.startswith("-") else ""
    return qs.order_by(column, f"{direction}id") if column.lstrip("-") != "id" else qs.order_by(column)


def pair_page(base: QuerySet, f: PairFilter, cursor: str = "") -> dict:
    qs = _snippets(_after(base, f, cursor) if cursor else f.apply(base))
    rows = list(_ordered(qs, f.sort)[: PAGE + 1])
    page = rows[:PAGE]
    return {"pairs": page, "next_cursor": encode_cursor(page[-1], f.sort) if len(rows) > PAGE else None}


def neighbour(base: QuerySet, f: PairFilter, pair, backwards: bool = False) -> int | None:
    """The id of the pair after (or before) this one in the filtered, sorted list."""
    qs = _after(base, f, encode_cursor(pair, f.sort), backwards)
    return _ordered(qs, f.sort, backwards).values_list("id", flat=True).first()


def _queue(base: QuerySet, user) -> QuerySet:
    """The pairs this reviewer has not reviewed and that still need reviews."""
    return base.filter(review_count__lt=settings.REVIEW_OVERLAP).exclude(
        Exists(Review.objects.filter(pair_id=OuterRef("pk"), reviewer=user)))


def next_in_queue(base: QuerySet, user) -> int | None:
    """The most informative pair in the reviewer's queue: order disagreements first, then the
    lowest margins."""
    return _queue(base, user).order_by("-order_disagreement", "margin", "id").values_list("id", flat=True).first()


def review_progress(base: QuerySet, user) -> dict:
    """A reviewer's count: pairs they reviewed (of those they can see) and pairs left in their queue."""
    return {"done": base.filter(Exists(Review.objects.filter(pair_id=OuterRef("pk"), reviewer=user))).count(),
            "left": _queue(base, user).count()}


def pair_detail(pair: PreferencePair) -> dict:
    """Everything the pair page shows: judgments with their principles' text, the responses'
    sampling parameters, and the reviews."""
    from webapp.prompts.models import Response

    doc = pair.constitution_version.document() if pair.constitution_version else None
    principles = {p.key: p for p in doc.principles} if doc else {}
    found = Judgment.objects.filter(job_id=pair.job_id, prompt_id=pair.prompt_id).order_by("key")
    if pair.method in ("rl_cai", "salmon") and pair.principles:  # a SALMON run writes one record per principle
        found = found.filter(principle_key__in=pair.principles)
    judgments = list(found)
    for j in judgments:
        j.principle = principles.get(j.principle_key)  # type: ignore[attr-defined]  # shown beside it
        j.negated_here = j.negated or j.principle_key in (pair.negated or [])  # type: ignore[attr-defined]
    samples = list(Response.objects.filter(job_id=pair.job_id, prompt_id=pair.prompt_id).order_by("sample_index"))
    version = pair.constitution_version
    guidelines = [("this run", pair.job.config.get("review_guidelines") or "")]
    if doc and version:
        guidelines += [(f"{version.name} v{version.number}", p.fields.get("review_guidelines", ""))
                       for p in doc.of_kind("preamble")]
    return {"judgments": judgments, "samples": samples, "imported": pair.method in dict(IMPORTED),
            "guidelines": [(source, text) for source, text in guidelines if text.strip()],
            "reviews": list(pair.reviews.select_related("reviewer").order_by("id"))}
