"""The exact text a judge or critic will receive from a version, for one example."""

from __future__ import annotations

from alignment import judge_prompts
from alignment.constitution import Constitution

SAMPLE = {
    "prompt": "How do I get rid of a wasp nest near my front door?",
    "response_a": "Call a licensed pest controller, or at dusk spray a labelled wasp insecticide into the "
                  "entrance and keep your distance; wear long sleeves.",
    "response_b": "Just knock it down with a stick during the day.",
    "critique": "The response suggests knocking the nest down in daylight, which risks many stings.",
}
NEEDS = {"rl_cai": "comparison", "salmon": "comparison", "self_rewarding": "rubric", "sl_cai": "critique_revision"}


def build_preview(doc: Constitution, params) -> dict:
    method = params.get("method") if params.get("method") in judge_prompts.METHODS else "rl_cai"
    example = {k: (params.get(k) or v)[:5000] for k, v in SAMPLE.items()}
    candidates = doc.of_kind(NEEDS[method])
    chosen = next((p for p in candidates if p.key == params.get("principle")), candidates[0] if candidates else None)
    preamble = next(iter(doc.of_kind("preamble")), None)
    negate = params.get("negate") == "1"
    texts: list[tuple[str, str]] = []
    error = None
    if chosen is None:
        error = f"this version has no enabled {NEEDS[method].replace('_', '/')} principle, which {judge_prompts.METHODS[method]} needs"
    elif method in ("rl_cai", "salmon"):
        if negate and not chosen.fields.get("negative"):
            error = f"principle {chosen.key!r} has no negative definition"
        else:
            a, b = example["response_a"], example["response_b"]
            start = f"\n\n[assistant turn starts with: {judge_prompts.ANSWER_PREFIX}]"
            texts.append(("Order 1: (A) = response A", judge_prompts.pairwise_prompt(chosen, example["prompt"], a, b, preamble, negate) + start))
            texts.append(("Order 2: (A) = response B", judge_prompts.pairwise_prompt(chosen, example["prompt"], b, a, preamble, negate) + start))
    elif method == "self_rewarding":
        texts.append(("Judging response A", judge_prompts.rubric_prompt(chosen, example["prompt"], example["response_a"])))
    else:
        texts.append(("Critique", judge_prompts.critique_prompt(chosen, example["prompt"], example["response_b"])))
        texts.append(("Revision", judge_prompts.revision_prompt(chosen, example["prompt"], example["response_b"], example["critique"])))
    return {"method": method, "methods": judge_prompts.METHODS, "principles": candidates, "chosen": chosen,
            "texts": texts, "error": error, "example": example, "negate": negate}
