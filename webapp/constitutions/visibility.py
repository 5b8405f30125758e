"""Visibility, one rule (DESIGN.md): a team constitution's versions are visible to everyone with
a role, a private one's to its owner and admins; everything derived from a version (runs, pairs,
judgments, datasets, trained models, evaluations, job pages and their API) is visible to exactly
those who can see that version. A user with no role sees nothing.

Every other app asks here: jobs through `webapp.jobs.registry` (a job records the versions it
derives from), pairs through their version, datasets, models and evaluations through their job.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from webapp.accounts.roles import has_role
from webapp.constitutions.models import Constitution, ConstitutionVersion


def can_view(user, constitution: Constitution) -> bool:
    if not has_role(user, "viewer"):
        return False
    if constitution.visibility == Constitution.Visibility.TEAM:
        return True
    return constitution.owner_id == user.pk or has_role(user, "admin")


def visible_to(user) -> QuerySet[Constitution]:
    qs = Constitution.objects.select_related("head", "owner")
    if has_role(user, "admin"):
        return qs
    if not has_role(user, "viewer"):
        return qs.none()
    return qs.filter(Q(visibility=Constitution.Visibility.TEAM) | Q(owner=user))


def hidden_versions(user) -> QuerySet[ConstitutionVersion]:
    """The versions this user may not see: what derives from any of them is hidden too."""
    if has_role(user, "admin"):
        return ConstitutionVersion.objects.none()
    if not has_role(user, "viewer"):
        return ConstitutionVersion.objects.all()
    return ConstitutionVersion.objects.filter(constitution__visibility=Constitution.Visibility.PRIVATE) \
        .exclude(constitution__owner=user)


def visible_versions(user) -> QuerySet[ConstitutionVersion]:
    return ConstitutionVersion.objects.filter(constitution__in=visible_to(user).values("pk"))


def can_view_version(user, version: ConstitutionVersion | None) -> bool:
    return version is None or can_view(user, version.constitution)
