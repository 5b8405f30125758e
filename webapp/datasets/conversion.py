"""Which pairs become which records, with the reviewers' verdicts applied as
webapp/pairs/verdicts.py says. The record formats themselves are alignment.records'."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from alignment import calibration, records
from webapp.pairs import verdicts
from webapp.pairs.models import Review

# The columns each pair is read with (no model instances: an export streams millions of rows).
FIELDS = ("id", "key", "chosen", "rejected", "tie", "soft_label", "margin", "human_verdict", "method", "principles", "negated",
          "constitution_version_id", "job_id", "chosen_score", "rejected_score", "prompt__text", "correction",
          "corrected_by")
UNUSABLE_FLAGS = ("harmful", "both_bad")  # a pair flagged for these has no good response


def with_corrections(pairs: QuerySet) -> QuerySet:
    """The pairs with the latest better response a reviewer wrote for each (and who wrote it)."""
    latest = Review.objects.filter(pair=OuterRef("pk")).exclude(correction="").order_by("-updated_at", "-id")
    return pairs.annotate(correction=Subquery(latest.values("correction")[:1]),
                          corrected_by=Subquery(latest.values("reviewer__username")[:1]))


def _corrected(pair: dict[str, Any], prompt: str) -> dict:
    """A reviewer's better response becomes the chosen one, against the worse of the pair's two (the
    rejected one, or the judge's chosen one when people flipped it): a definite preference."""
    worse = pair["chosen"] if pair["human_verdict"] == "flip" else pair["rejected"]
    return records.preference_record(
        prompt, pair["correction"], worse, tie=False, soft_label=1.0, margin=1.0, human_verdict=pair["human_verdict"],
        method=pair["method"], principles=pair["principles"], negated=pair["negated"], chosen_source="correction",
        corrected_by=pair["corrected_by"], **_lineage(pair))


def _lineage(pair: dict[str, Any]) -> dict[str, Any]:
    return {"pair_id": pair["id"], "constitution_version": pair["constitution_version_id"], "run": pair["job_id"]}


def calibrate(pair: dict[str, Any], temperatures: dict[str, float]) -> None:
    """Scale a judged pair's soft label by its judge's temperature: the principle's when the pair
    was judged under one principle, else the one over all principles (alignment.calibration)."""
    principles = pair["principles"] or []
    t = temperatures.get(principles[0]) if len(principles) == 1 else None
    t = t or temperatures.get("", 1.0)
    pair["soft_label"] = calibration.scaled(pair["soft_label"], t)
    pair["margin"] = abs(2 * pair["soft_label"] - 1)


def preference_record(pair: dict[str, Any], prompt: str, keep_ties: bool) -> tuple[dict | None, str]:
    """(record, outcome): agree keeps the judge's label and soft label (a tie included); a flip
    swaps the responses and is a definite human preference (soft label 1, margin 1: the judge's
    label, which pointed the other way, must not reach soft-label training); a human tie is a tie
    (soft label 0.5); a flag or reviewers who disagree ("mixed") leave the pair out."""
    verdict = pair["human_verdict"]
    if pair.get("correction") and verdict != "mixed":
        return _corrected(pair, prompt), "corrected"
    choice = verdicts.human_choice(verdict)
    if choice is None:
        return None, f"dropped_{verdict}"
    chosen, rejected = pair["chosen"], pair["rejected"]
    soft_label, margin, tie = pair["soft_label"], pair["margin"], pair["tie"]
    if choice == verdicts.OTHER:
        chosen, rejected, soft_label, margin, tie = rejected, chosen, 1.0, 1.0, False
    elif choice == verdicts.TIE:
        soft_label, margin, tie = 0.5, 0.0, True
    if tie and not keep_ties:
        return None, "dropped_tie"
    return records.preference_record(
        prompt, chosen, rejected, tie=tie, soft_label=soft_label, margin=margin, human_verdict=verdict or None,
        method=pair["method"], principles=pair["principles"], negated=pair["negated"], **_lineage(pair)), "written"


def sft_records(pair: dict[str, Any], prompt: str, chain: list[dict] | None,
                every_round: bool = True) -> list[tuple[dict | None, str]]:
    """An SL-CAI pair's revisions as SFT records: every round's (as the paper trains on the
    revisions of all steps), or only the final one; each marked with its round."""
    if pair.get("correction") and pair["human_verdict"] != "mixed":  # a reviewer's better response is the target
        return [(records.sft_record(prompt, pair["correction"], round=0, mix="correction",
                                    corrected_by=pair["corrected_by"], **_lineage(pair)), "corrected")]
    if pair["method"] != "sl_cai":
        return [(None, "dropped_not_sl_cai")]
    if pair["human_verdict"] in ("flag", "mixed", "flip", "tie"):
        return [(None, f"dropped_{pair['human_verdict']}")]
    steps = [(c["round"], c["revision"]) for c in chain or []] or [(1, pair["chosen"])]
    steps[-1] = (steps[-1][0], pair["chosen"])  # the final revision as stored with the pair
    return [(records.sft_record(prompt, text, round=n, mix="harmless", **_lineage(pair)), "written")
            for n, text in (steps if every_round else steps[-1:])]


def helpful_record(response: dict[str, Any]) -> dict:
    """The policy's own answer to a benign prompt, mixed into SL-CAI data to keep it helpful."""
    return records.sft_record(response["prompt__text"], response["text"], round=0, mix="helpful", pair_id=None,
                              constitution_version=None, run=response["job_id"])


def unpaired_records(pair: dict[str, Any], prompt: str, threshold: float,
                     flag_reason: str = "") -> list[tuple[dict | None, str]]:
    """KTO's good / bad examples from a pair: a pointwise judge's scores decide each response
    (at or above the threshold is good); otherwise the preferred response is good and the other
    bad (a flip turns them round; a tie says nothing). A pair flagged harmful or with both
    responses bad makes both bad examples."""
    verdict = pair["human_verdict"]
    if verdict == "flag" and flag_reason in UNUSABLE_FLAGS:
        return [(records.unpaired_record(prompt, text, False, why=f"flagged {flag_reason}", **_lineage(pair)), "written")
                for text in (pair["chosen"], pair["rejected"])]
    choice = verdicts.human_choice(verdict)
    if choice is None or choice == verdicts.TIE:
        return [(None, f"dropped_{verdict or 'tie'}")]
    if pair["chosen_score"] is not None and pair["rejected_score"] is not None and choice == verdicts.JUDGE:
        return [(records.unpaired_record(prompt, text, score >= threshold, why=f"score {score:g}", **_lineage(pair)),
                 "written") for text, score in ((pair["chosen"], pair["chosen_score"]),
                                                 (pair["rejected"], pair["rejected_score"]))]
    if pair["tie"] and choice == verdicts.JUDGE:
        return [(None, "dropped_tie")]
    good, bad = (pair["rejected"], pair["chosen"]) if choice == verdicts.OTHER else (pair["chosen"], pair["rejected"])
    why = "human flip" if choice == verdicts.OTHER else "preferred"
    return [(records.unpaired_record(prompt, good, True, why=why, **_lineage(pair)), "written"),
            (records.unpaired_record(prompt, bad, False, why=why, **_lineage(pair)), "written")]
