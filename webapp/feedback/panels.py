"""What a feedback run adds to its job page: its pairs as they arrive."""

from __future__ import annotations

from webapp.core.lookups import as_id
from webapp.feedback.selectors import pair_page
from webapp.jobs.registry import Panel


def _pairs(request, job) -> dict:
    return pair_page(job, after=as_id(request.GET.get("after")) or 0)


PAIRS = Panel("pairs", "feedback/_pairs_panel.html", _pairs, partial="feedback/_pairs.html")
