"""What a feedback run adds to its job page: its pairs as they arrive."""

from __future__ import annotations

from webapp.feedback.selectors import pair_page
from webapp.jobs.registry import Panel


def _after(raw) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


def _pairs(request, job) -> dict:
    return pair_page(job, after=_after(request.GET.get("after")))


PAIRS = Panel("pairs", "feedback/_pairs_panel.html", _pairs, partial="feedback/_pairs.html")
