"""Reviewing a pair. A review names the pair's review_version it was made against; if another
review landed in between, it is refused with a conflict instead of overwriting silently."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F

from webapp.accounts.roles import require
from webapp.core.models import record
from webapp.feedback.models import PreferencePair
from webapp.pairs.models import FLAG_REASONS, VERDICTS, Review

MAX_COMMENT = 5000
MAX_CORRECTION = 20_000


class ReviewError(ValueError):
    """The review itself is malformed (unknown verdict, a flag without a reason, ...)."""


class ReviewConflict(Exception):
    def __init__(self, pair: PreferencePair, message: str) -> None:
        super().__init__(message)
        self.pair = pair


@dataclass(frozen=True)
class Submitted:
    review: Review
    pair: PreferencePair


def _check(verdict: str, reason: str, comment: str, correction: str = "") -> None:
    if verdict not in dict(VERDICTS):
        raise ReviewError(f"verdict must be one of {', '.join(dict(VERDICTS))}")
    if verdict == "flag" and reason not in dict(FLAG_REASONS):
        raise ReviewError(f"a flag needs a reason: one of {', '.join(dict(FLAG_REASONS))}")
    if verdict != "flag" and reason:
        raise ReviewError("only a flag takes a reason")
    if len(comment) > MAX_COMMENT:
        raise ReviewError(f"the comment is {len(comment)} characters; the limit is {MAX_COMMENT}")
    if len(correction) > MAX_CORRECTION:
        raise ReviewError(f"the better response is {len(correction)} characters; the limit is {MAX_CORRECTION}")


def consensus(verdicts: list[str]) -> str:
    """The pair's human verdict: the reviewers' common verdict, or "mixed" when they differ."""
    if not verdicts:
        return ""
    return verdicts[0] if len(set(verdicts)) == 1 else "mixed"


def submit(user, pair_id: int, verdict: str, seen_version: int, reason: str = "", comment: str = "",
           correction: str = "") -> Submitted:
    """Save (or change) this reviewer's review; `correction` is a better response they wrote."""
    require(user, "reviewer")
    correction = correction.strip()
    _check(verdict, reason, comment, correction)
    with transaction.atomic():
        pair = PreferencePair.objects.get(pk=pair_id)
        mine = Review.objects.filter(pair=pair, reviewer=user).first()
        if mine is None and pair.review_count >= settings.REVIEW_OVERLAP:
            raise ReviewConflict(pair, f"this pair already has {pair.review_count} review(s); each pair gets "
                                       f"{settings.REVIEW_OVERLAP} (CHARTER_REVIEW_OVERLAP)")
        # The conditional update is the lock: of two reviews made against the same version,
        # exactly one moves it on.
        if not PreferencePair.objects.filter(pk=pair.pk, review_version=seen_version).update(
                review_version=F("review_version") + 1):
            pair.refresh_from_db()
            raise ReviewConflict(pair, "someone reviewed this pair after you opened it; their review is shown, "
                                       "yours was not saved")
        previous = mine.verdict if mine else None
        if mine is None:
            mine = Review.objects.create(pair=pair, reviewer=user, verdict=verdict, reason=reason, comment=comment,
                                         correction=correction)
        else:
            mine.verdict, mine.reason, mine.comment, mine.correction = verdict, reason, comment, correction
            mine.save(update_fields=["verdict", "reason", "comment", "correction", "updated_at"])
        verdicts = list(Review.objects.filter(pair=pair).order_by("id").values_list("verdict", flat=True))
        PreferencePair.objects.filter(pk=pair.pk).update(human_verdict=consensus(verdicts), review_count=len(verdicts))
        record(user, "review", pair, verdict=verdict, previous=previous, reason=reason, corrected=bool(correction))
        pair.refresh_from_db()
    return Submitted(mine, pair)
