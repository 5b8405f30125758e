"""Failed logins, so that guessing passwords is throttled across every web worker (the database
is shared by all of them; a per-process cache would not be)."""

from __future__ import annotations

from django.db import models


class LoginFailure(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
