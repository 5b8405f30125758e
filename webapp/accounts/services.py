from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from webapp.accounts.roles import ROLES


def ensure_roles() -> None:
    for name in ROLES:
        Group.objects.get_or_create(name=name)


@transaction.atomic
def create_user(username: str, role: str, password: str | None = None):
    """Create (or reset) a user with exactly one role. Returns (user, password)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    ensure_roles()
    password = password or secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = role == "admin"
    user.is_superuser = role == "admin"
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user, password
