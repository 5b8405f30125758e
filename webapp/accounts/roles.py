"""Roles are Django groups, ranked: each role can do everything the roles below it can.

viewer < reviewer < editor < operator < admin. Superusers are admins.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

ROLES = ("viewer", "reviewer", "editor", "operator", "admin")
RANK = {name: i for i, name in enumerate(ROLES)}


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return "admin"
    cached = getattr(user, "_charter_role", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    names = set(user.groups.values_list("name", flat=True))
    role = max((r for r in ROLES if r in names), key=RANK.__getitem__, default=None)
    user._charter_role = role
    return role


def has_role(user, needed: str) -> bool:
    role = role_of(user)
    return role is not None and RANK[role] >= RANK[needed]


def require(user, needed: str) -> None:
    if not has_role(user, needed):
        raise PermissionDenied(f"this needs the {needed} role")


def role_required(needed: str):
    """View decorator; login itself is enforced for every page by LoginRequiredMiddleware."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require(request.user, needed)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
