"""What a reviewer's verdict means, stated once: the Agreement page, exports and the pair page
all read it from here.

- agree: the judge's label stands, whatever it was (a tie included);
- flip: the response the judge rejected is the better one (a definite human preference);
- tie: neither is better;
- flag (or reviewers who disagree, "mixed"): the pair is unusable and leaves exports.
"""

from __future__ import annotations

JUDGE, OTHER, TIE = "judge", "other", "tie"


def human_choice(verdict: str) -> str | None:
    """JUDGE (the judge's label holds), OTHER (the judge's rejected response wins), TIE, or None
    for an unusable pair."""
    return {"agree": JUDGE, "flip": OTHER, "tie": TIE, "": JUDGE}.get(verdict)


def judge_decision(tie: bool) -> str:
    return "tie (the two orders or the scores disagreed)" if tie else "chose the response shown as chosen"
