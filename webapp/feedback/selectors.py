from webapp.feedback.models import PreferencePair

PAGE = 50


def pair_page(job, after: int = 0) -> dict:
    """Keyset pagination; the list shows snippets, so full texts are cut in the template."""
    rows = list(PreferencePair.objects.filter(job=job, id__gt=after).select_related("prompt").order_by("id")[: PAGE + 1])
    return {"pairs": rows[:PAGE], "next_after": rows[PAGE - 1].id if len(rows) > PAGE else None}
