from django.db.models import Count

from webapp.core.lookups import as_id
from webapp.jobs.models import Job
from webapp.jobs.selectors import visible_jobs
from webapp.prompts.models import Prompt, PromptSet, Response

PAGE = 50


def prompt_sets_with_counts():
    return PromptSet.objects.annotate(prompt_count=Count("prompts")).order_by("-shipped", "name")


def sampling_runs(user):
    """Finished sampling runs this user may see (a helpful mix takes its answers from one)."""
    return visible_jobs(user).filter(kind="sample", status=Job.Status.SUCCEEDED).order_by("-id")


def prompt_columns() -> dict:
    """The prompt categories and imported column names in use, for the filters' pickers (bounded:
    the most recent prompts' columns name what imports carry)."""
    categories = sorted(set(Prompt.objects.exclude(category="").values_list("category", flat=True)
                            .distinct()[:200]))
    metas = Prompt.objects.exclude(meta={}).order_by("-id").values_list("meta", flat=True)[:500]
    columns = sorted({name for meta in metas for name in (meta or {}).get("columns", {})})
    return {"categories": categories, "columns": columns}


def _after(raw) -> int:
    return as_id(raw) or 0


def prompt_page(prompt_set: PromptSet, after=None) -> dict:
    """Keyset pagination by id: each page costs the same however deep it is."""
    rows = list(Prompt.objects.filter(prompt_set=prompt_set, id__gt=_after(after)).order_by("id")[: PAGE + 1])
    return {"prompts": rows[:PAGE], "next_after": rows[PAGE - 1].id if len(rows) > PAGE else None}


def response_page(job, after=None) -> dict:
    rows = list(
        Response.objects.filter(job=job, id__gt=_after(after)).select_related("prompt").order_by("id")[: PAGE + 1]
    )
    return {"responses": rows[:PAGE], "next_after": rows[PAGE - 1].id if len(rows) > PAGE else None}
