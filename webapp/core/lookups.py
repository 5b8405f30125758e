"""Looking rows up by ids that came from users: a missing, hidden or absurd id is the same 4xx."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from alignment.errors import UserError

MAX_ID = 2**63 - 1  # a bigint primary key; larger numbers overflow the database driver


def as_int(raw: Any, default: int, low: int = -MAX_ID, high: int = MAX_ID) -> int:
    """An integer from a query string within [low, high], or the default."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def as_id(raw: Any) -> int | None:
    """A positive id from a query string or a body, or None."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= MAX_ID else None


def get_or_400(queryset: QuerySet, pk: Any, what: str):
    """The row with this id among those the caller may see, or a UserError (400)."""
    if pk is None:
        return None
    found = queryset.filter(pk=as_id(pk)).first() if as_id(pk) else None
    if found is None:
        raise UserError(f"no {what} {str(pk)[:30]}")
    return found


def get_or_404(queryset: QuerySet, pk: Any):
    """Like Django's get_object_or_404, but an id that is not a sane integer is a 404 too."""
    found = queryset.filter(pk=as_id(pk)).first() if as_id(pk) else None
    if found is None:
        raise Http404("not found")
    return found
