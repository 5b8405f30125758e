"""The numbers behind the charts page, grouped in the database where the columns allow.

Every series carries, per bar, the extra query parameters that narrow the pairs list to what
the bar counts, so a click on a bar opens exactly those pairs.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Avg, Case, Count, F, FloatField, IntegerField, Q, QuerySet, When
from django.db.models.functions import Cast, Floor

from webapp.feedback.models import Judgment
from webapp.pairs.agreement import agreement_report

MARGIN_BINS = 10
LENGTH_BIN = 100  # characters


def margin_histogram(pairs: QuerySet) -> dict:
    """Bins of 0.1; pairwise margins fill [0, 1], Self-Rewarding score gaps reach past it."""
    rows = (pairs.annotate(bin=Cast(Floor(F("margin") * MARGIN_BINS), IntegerField()))
            .values("bin").annotate(n=Count("id"), ties=Count("id", filter=Q(tie=True))).order_by("bin"))
    bars = []
    for row in rows:
        low, high = row["bin"] / MARGIN_BINS, (row["bin"] + 1) / MARGIN_BINS
        bars.append({"x": f"{low:.1f}–{high:.1f}", "n": row["n"], "ties": row["ties"],
                     "query": {"margin_min": f"{low:.1f}", "margin_below": f"{high:.1f}"}})
    return {"bars": bars}


def length_histogram(pairs: QuerySet) -> dict:
    rows = (pairs.annotate(bin=Floor(Cast(F("length_diff"), FloatField()) / LENGTH_BIN))
            .values("bin").annotate(n=Count("id")).order_by("bin"))
    bars = [{"x": int(r["bin"]) * LENGTH_BIN, "n": r["n"],
             "query": {"length_min": str(int(r["bin"]) * LENGTH_BIN), "length_max": str((int(r["bin"]) + 1) * LENGTH_BIN - 1)}}
            for r in rows]
    mean = pairs.aggregate(mean=Avg("length_diff"))["mean"]
    return {"bars": bars, "mean": mean}


def per_principle(pairs: QuerySet) -> list[dict]:
    """Pairs and tie rate per principle (a pair judged under k principles counts under each).
    Read in chunks: the principle set is a JSON list."""
    stats: dict[str, dict] = defaultdict(lambda: {"n": 0, "ties": 0})
    for principles, tie in pairs.values_list("principles", "tie").iterator(chunk_size=5000):
        for key in principles:
            stats[key]["n"] += 1
            stats[key]["ties"] += tie
    return [{"principle": k, **v, "tie_rate": v["ties"] / v["n"], "query": {"principle": k}} for k, v in sorted(stats.items())]


def position_bias(pairs: QuerySet) -> list[dict]:
    """How often each judge, under each principle, preferred whichever response it was shown
    as (A); 0.5 is unbiased."""
    judgments = Judgment.objects.filter(order__isnull=False, p_a__isnull=False, job_id__in=pairs.values("job_id"))
    rows = (judgments.values("judge_model", "principle_key")
            .annotate(n=Count("id"), first_wins=Avg(Case(When(p_a__gte=0.5, then=1.0), default=0.0, output_field=FloatField())))
            .order_by("judge_model", "principle_key"))
    return [{**r, "query": {"principle": r["principle_key"]}} for r in rows]


def per_run(pairs: QuerySet) -> list[dict]:
    rows = (pairs.values("job_id").annotate(n=Count("id"), ties=Count("id", filter=Q(tie=True)), margin=Avg("margin"))
            .order_by("job_id"))
    return [{**r, "tie_rate": r["ties"] / r["n"], "query": {"run": str(r["job_id"])}} for r in rows]


def chart_data(pairs: QuerySet) -> dict:
    agreement = agreement_report(pairs)
    return {
        "margin": margin_histogram(pairs), "length": length_histogram(pairs), "principles": per_principle(pairs),
        "position": position_bias(pairs), "runs": per_run(pairs),
        "agreement": [{"principle": r["name"], **r["kappa"], "n": r["n"], "query": {"principle": r["name"]}}
                      for r in agreement["per_principle"]],
    }
