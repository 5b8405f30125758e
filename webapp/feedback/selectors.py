from django.db.models import QuerySet

from webapp.feedback.models import PreferencePair
from webapp.jobs.registry import hidden_versions
from webapp.jobs.selectors import hidden_jobs

PAGE = 50


def pair_page(job, after: int = 0) -> dict:
    """Keyset pagination; the list shows snippets, so full texts are cut in the template."""
    rows = list(PreferencePair.objects.filter(job=job, id__gt=after).select_related("prompt").order_by("id")[: PAGE + 1])
    return {"pairs": rows[:PAGE], "next_after": rows[PAGE - 1].id if len(rows) > PAGE else None}


def visible_pairs(user) -> QuerySet:
    """Pairs whose run this user may see (webapp/constitutions/visibility.py): the run derives
    from the version that judged them and from its models. The hidden runs are few, so the
    list's keyset queries keep their indexes."""
    from webapp.accounts.roles import has_role

    if has_role(user, "admin"):
        return PreferencePair.objects.all()
    if not has_role(user, "viewer"):
        return PreferencePair.objects.none()
    return PreferencePair.objects.exclude(job_id__in=hidden_jobs(user).values("pk")) \
        .exclude(constitution_version__in=hidden_versions(user))
