"""The constitutions in principles/, loaded (and kept in sync) by `make run`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from alignment.constitution import from_yaml
from webapp.accounts.services import ensure_roles
from webapp.constitutions import services
from webapp.constitutions.models import Constitution

PRINCIPLES_DIR = settings.BASE_DIR / "principles"


def system_user():
    """The owner of shipped constitutions: an admin nobody can log in as."""
    from django.contrib.auth.models import Group

    ensure_roles()
    user, created = get_user_model().objects.get_or_create(username="charter", defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.set([Group.objects.get(name="admin")])
    return user


def load_shipped_constitutions() -> list[str]:
    user = system_user()
    report = []
    for path in sorted(PRINCIPLES_DIR.glob("*.yaml")):
        doc = from_yaml(path.read_bytes())
        existing = Constitution.objects.filter(name=doc.name, owner=user).select_related("head").first()
        if existing is None:
            services.create(user, doc, message=f"Shipped with Charter ({path.name})")
            report.append(f"{doc.name}: created")
        elif existing.current.content_hash != doc.content_hash():
            services.save_version(user, existing, existing.head_id, doc, f"Updated from {path.name}")
            report.append(f"{doc.name}: updated")
        else:
            report.append(f"{doc.name}: up to date")
    return report
