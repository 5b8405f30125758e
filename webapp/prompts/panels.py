"""What sampling and synthesis jobs add to their job pages."""

from __future__ import annotations

from webapp.jobs.registry import Panel
from webapp.prompts.models import PromptSet
from webapp.prompts.selectors import response_page


def _responses(request, job) -> dict:
    return response_page(job, after=request.GET.get("after"))


def _synthesized(request, job) -> dict | None:
    target = PromptSet.objects.filter(pk=job.config.get("target_set")).first()
    return {"target": target} if target else None


RESPONSES = Panel("responses", "prompts/_responses_panel.html", _responses, partial="prompts/_responses.html")
SYNTHESIZED = Panel("synthesized", "prompts/_synthesized_panel.html", _synthesized, top=True)
