"""The exact texts that judges and critics receive, built from constitution principles.

Each function returns the user-turn text; backends wrap it in the model's chat template.
For multiple choice, the assistant's turn starts with ANSWER_PREFIX and the judge's soft
label comes from the next token, "A" or "B". The feedback pipelines and the web app's prompt
preview both call these, so the preview is what the model will see.
"""

from __future__ import annotations

from alignment.constitution import Principle

METHODS = {
    "rl_cai": "RL-CAI pairwise (multiple choice)",
    "salmon": "SALMON pairwise (principle-driven, may be negated)",
    "self_rewarding": "Self-Rewarding pointwise (additive rubric)",
    "sl_cai": "SL-CAI critique and revision",
}
ANSWER_PREFIX = "The answer is: ("


def _exemplars(preamble: Principle | None) -> str:
    if not preamble or not preamble.fields.get("exemplars"):
        return ""
    blocks = []
    for ex in preamble.fields["exemplars"]:
        reasoning = f"{ex['reasoning']}\n" if ex.get("reasoning") else ""
        blocks.append(
            f"Human: {ex['prompt']}\n\nOptions:\n(A) {ex['response_a']}\n(B) {ex['response_b']}\n\n"
            f"{reasoning}{ANSWER_PREFIX}{ex['answer']})"
        )
    return "Here are worked examples.\n\n" + "\n\n---\n\n".join(blocks) + "\n\n---\n\n"


def pairwise_prompt(
    principle: Principle, prompt: str, response_a: str, response_b: str,
    preamble: Principle | None = None, negate: bool = False, chain_of_thought: bool = False,
) -> str:
    """Multiple choice between (A) and (B) under one comparison principle. With negate=True
    the principle's negative definition is asked instead (SALMON's negated principles)."""
    question = principle.fields["comparison"]
    if negate:
        if not principle.fields.get("negative"):
            raise ValueError(f"principle {principle.key!r} has no negative definition to negate with")
        question = principle.fields["negative"]
    head = f"{preamble.fields['preamble']}\n\n" if preamble else ""
    tail = (
        "Think step by step about which option is better under this principle, then say which one."
        if chain_of_thought else "Answer with (A) or (B)."
    )
    return (
        f"{head}{_exemplars(preamble)}Consider the following conversation between a human and an assistant:\n\n"
        f"Human: {prompt}\n\n{question}\n\nOptions:\n(A) {response_a}\n(B) {response_b}\n\n{tail}"
    )


def rubric_prompt(rubric: Principle, prompt: str, response: str) -> str:
    points = "\n".join(f"- {p}" for p in rubric.fields["points"])
    return (
        f"{rubric.fields['intro']}\n\n{points}\n\n"
        f"User: {prompt}\n\n<response>{response}</response>\n\n{rubric.fields['instruction']}"
    )


def critique_prompt(principle: Principle, prompt: str, response: str) -> str:
    return f"Human: {prompt}\n\nAssistant: {response}\n\nCritique request: {principle.fields['critique']}\n\nCritique:"


def revision_prompt(principle: Principle, prompt: str, response: str, critique: str) -> str:
    return (
        f"{critique_prompt(principle, prompt, response)} {critique}\n\n"
        f"Revision request: {principle.fields['revision']}\n\nRevision:"
    )
