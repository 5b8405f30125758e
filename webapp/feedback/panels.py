"""What a feedback run adds to its job page: a summary of its result, and its pairs as they arrive."""

from __future__ import annotations

from django.db.models import Avg, Count, Q

from webapp.core.lookups import as_id
from webapp.feedback.models import Judgment, PreferencePair
from webapp.feedback.selectors import pair_page
from webapp.jobs.registry import Panel


def _summary(request, job) -> dict:
    """Pairs, ties, judgments, parse failures, tie rate and mean margin; and, when no pair came
    out, why (ties everywhere, or scores that did not parse)."""
    pairs = PreferencePair.objects.filter(job=job).aggregate(
        n=Count("id"), ties=Count("id", filter=Q(tie=True)), margin=Avg("margin", filter=Q(tie=False)))
    judged = Judgment.objects.filter(job=job).aggregate(
        n=Count("id"), scored=Count("id", filter=Q(order__isnull=True)),
        failed=Count("id", filter=Q(order__isnull=True) & ~Q(parse_status__in=("ok", "forced"))))
    decided = pairs["n"] - pairs["ties"]
    why = ""
    if not job.is_active and decided == 0:
        if judged["scored"] and judged["failed"]:
            why = (f"{judged['failed']} of {judged['scored']} rubric scores did not parse, so no response could be "
                   f"ranked: try score_mode forced, a longer judge_max_new_tokens or a stronger judge")
        elif pairs["ties"]:
            why = (f"every pair is a tie: the judge picked different winners in the two presentation orders "
                   f"({pairs['ties']} of {pairs['n']})")
        elif judged["n"] == 0:
            why = "the judge made no judgments (see the log)"
    return {"summary": {"pairs": decided, "ties": pairs["ties"], "tie_rate": pairs["ties"] / pairs["n"] if pairs["n"] else None,
                        "mean_margin": pairs["margin"], "judgments": judged["n"], "scored": judged["scored"],
                        "parse_failures": judged["failed"], "why": why}}


def _pairs(request, job) -> dict:
    return pair_page(job, after=as_id(request.GET.get("after")) or 0)


SUMMARY = Panel("feedback-summary", "feedback/_summary_panel.html", _summary, top=True)
PAIRS = Panel("pairs", "feedback/_pairs_panel.html", _pairs, partial="feedback/_pairs.html")
