"""Start-up steps shared by `make run`, docker-compose and the tests."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from webapp.accounts.services import create_user, ensure_roles


def ensure_admin(username: str = "admin") -> tuple[str, str]:
    """Create the first admin once; its password lives in a 0600 file in the data dir so a
    second `make run` can print the same login."""
    ensure_roles()
    secret = Path(settings.DATA_DIR) / "admin-password.txt"
    if get_user_model().objects.filter(username=username).exists() and secret.exists():
        return username, secret.read_text().strip()
    password = secrets.token_urlsafe(12)
    create_user(username, "admin", password)
    secret.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return username, password
