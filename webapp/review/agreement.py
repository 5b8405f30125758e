"""Judge-vs-human and human-vs-human agreement over reviewed pairs.

Labels are stated in a framing both sides share: of the pair's two responses, the one whose
text sorts first is "x", the other "y", and "tie" is a tie. (Stated as "chosen" the judge's
label would be constant, and kappa meaningless.) Flags are not verdicts and are left out.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from alignment.agreement import alpha_with_ci, kappa_with_ci, percent_agreement
from webapp.review.models import Review


def _labels(pair) -> tuple[str, dict[str, str]]:
    chosen_is_x = pair.chosen <= pair.rejected
    judge = "tie" if pair.tie else ("x" if chosen_is_x else "y")
    picked = "x" if chosen_is_x else "y"
    other = "y" if chosen_is_x else "x"
    human = {"agree": picked, "flip": other, "tie": "tie"}
    return judge, human


def _row(name: str, judge: list[str], human: list[str]) -> dict:
    return {"name": name, "n": len(judge), "agreement": percent_agreement(judge, human),
            "kappa": kappa_with_ci(judge, human).as_dict()}


def agreement_report(pairs: QuerySet) -> dict:
    reviews = (Review.objects.filter(pair__in=pairs.filter(review_count__gt=0).values("pk")).exclude(verdict="flag")
               .select_related("pair").only("verdict", "reviewer_id", "pair__chosen", "pair__rejected", "pair__tie",
                                            "pair__principles", "pair_id").order_by("pair_id", "id"))
    judge_all, human_all = [], []
    by_principle: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    units: dict[int, list[str]] = defaultdict(list)
    for review in reviews.iterator(chunk_size=2000):
        judge, human = _labels(review.pair)
        label = human[review.verdict]
        judge_all.append(judge)
        human_all.append(label)
        for key in review.pair.principles:
            by_principle[key][0].append(judge)
            by_principle[key][1].append(label)
        units[review.pair_id].append(label)
    overlapped = [u for u in units.values() if len(u) >= 2]
    return {
        "judge_vs_human": _row("all principles", judge_all, human_all),
        "per_principle": [_row(k, *v) for k, v in sorted(by_principle.items())],
        "human_vs_human": {
            "pairs": len(overlapped),
            "kappa": kappa_with_ci([u[0] for u in overlapped], [u[1] for u in overlapped]).as_dict(),
            "alpha": alpha_with_ci(overlapped).as_dict(),
            "agreement": percent_agreement([u[0] for u in overlapped], [u[1] for u in overlapped]),
        },
    }
