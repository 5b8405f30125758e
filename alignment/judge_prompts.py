"""The exact texts that judges and critics receive, built from constitution principles.

Each function returns the user-turn text; backends wrap it in the model's chat template.
For multiple choice, the assistant's turn starts with ANSWER_PREFIX and the judge's soft
label comes from the next token, "A" or "B". The feedback pipelines and the web app's prompt
preview both call these, so the preview is what the model will see.
"""

from __future__ import annotations

from alignment.constitution import Constitution, Principle

METHODS = {
    "rl_cai": "RL-CAI pairwise (Constitutional AI's RL stage: multiple choice, soft labels)",
    "salmon": "SALMON pairwise (principle-driven: a record per principle, for an instructable reward model)",
    "self_rewarding": "Self-Rewarding pointwise (the additive 5-point LLM-as-a-Judge rubric)",
    "sl_cai": "SL-CAI critique and revision (Constitutional AI's supervised stage)",
}
# The kind of principle each method reads (declared once: the pipelines, the launch checks and
# the preview all ask here).
PRINCIPLE_KIND = {"rl_cai": "comparison", "salmon": "comparison", "self_rewarding": "rubric",
                  "sl_cai": "critique_revision"}
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
    preamble: Principle | None = None, chain_of_thought: bool = False,
) -> str:
    """Multiple choice between (A) and (B) under one comparison principle. The judge always asks
    the positive question: SALMON negates principles when reward-model data is built."""
    question = principle.fields["comparison"]
    head = _head(preamble)
    tail = (
        "Think step by step about which option is better under this principle, then say which one."
        if chain_of_thought else "Answer with (A) or (B)."
    )
    return (
        f"{head}{_exemplars(preamble)}Consider the following conversation between a human and an assistant:\n\n"
        f"Human: {prompt}\n\n{question}\n\nOptions:\n(A) {response_a}\n(B) {response_b}\n\n{tail}"
    )


def _head(preamble: Principle | None) -> str:
    return f"{preamble.fields['preamble']}\n\n" if preamble else ""


def rubric_prompt(rubric: Principle, prompt: str, response: str, preamble: Principle | None = None) -> str:
    """Self-Rewarding's LLM-as-a-Judge request: the constitution's preamble, the additive rubric,
    the exchange, and the instruction to end with the score."""
    points = "\n".join(f"- {p}" for p in rubric.fields["points"])
    return (
        f"{_head(preamble)}{rubric.fields['intro']}\n\n{points}\n\n"
        f"User: {prompt}\n\n<response>{response}</response>\n\n{rubric.fields['instruction']}"
    )


def _exchange(principle: Principle, prompt: str, response: str) -> str:
    return f"Human: {prompt}\n\nAssistant: {response}\n\nCritique request: {principle.fields['critique']}\n\nCritique:"


def _worked(principle: Principle, preamble: Principle | None) -> str:
    """SL-CAI's few-shot examples, each a whole critique and revision under this principle's
    requests: Constitutional AI prepends them so the model keeps the points of view apart."""
    if not preamble or not preamble.fields.get("critique_exemplars"):
        return ""
    blocks = [f"{_exchange(principle, ex['prompt'], ex['response'])} {ex['critique']}\n\n"
              f"Revision request: {principle.fields['revision']}\n\nRevision: {ex['revision']}"
              for ex in preamble.fields["critique_exemplars"]]
    return "\n\n---\n\n".join(blocks) + "\n\n---\n\n"


def critique_prompt(principle: Principle, prompt: str, response: str, preamble: Principle | None = None) -> str:
    return f"{_head(preamble)}{_worked(principle, preamble)}{_exchange(principle, prompt, response)}"


def revision_prompt(principle: Principle, prompt: str, response: str, critique: str,
                    preamble: Principle | None = None) -> str:
    return (
        f"{critique_prompt(principle, prompt, response, preamble)} {critique}\n\n"
        f"Revision request: {principle.fields['revision']}\n\nRevision:"
    )


# An example the preview fills the prompts with when the user gives none.
SAMPLE = {
    "prompt": "How do I get rid of a wasp nest near my front door?",
    "response_a": "Call a licensed pest controller, or at dusk spray a labelled wasp insecticide into the "
                  "entrance and keep your distance; wear long sleeves.",
    "response_b": "Just knock it down with a stick during the day.",
    "critique": "The response suggests knocking the nest down in daylight, which risks many stings.",
}


def preview(doc: Constitution, params) -> dict:
    """The exact texts a judge or critic will receive from a constitution, for one example:
    what the launch form and the constitution's preview page show."""
    method = params.get("method") if params.get("method") in METHODS else "rl_cai"
    example = {k: (params.get(k) or v)[:5000] for k, v in SAMPLE.items()}
    kind = PRINCIPLE_KIND[method]
    candidates = doc.of_kind(kind)
    chosen = next((p for p in candidates if p.key == params.get("principle")), candidates[0] if candidates else None)
    preamble = next(iter(doc.of_kind("preamble")), None)
    texts: list[tuple[str, str]] = []
    error = None
    if chosen is None:
        error = f"this version has no enabled {kind.replace('_', '/')} principle, which {METHODS[method]} needs"
    elif method in ("rl_cai", "salmon"):
        a, b, prompt = example["response_a"], example["response_b"], example["prompt"]
        start = f"\n\n[assistant turn starts with: {ANSWER_PREFIX}]"
        texts.append(("Order 1: (A) = response A", pairwise_prompt(chosen, prompt, a, b, preamble) + start))
        texts.append(("Order 2: (A) = response B", pairwise_prompt(chosen, prompt, b, a, preamble) + start))
    elif method == "self_rewarding":
        texts.append(("Judging response A", rubric_prompt(chosen, example["prompt"], example["response_a"], preamble)))
    else:
        texts.append(("Critique", critique_prompt(chosen, example["prompt"], example["response_b"], preamble)))
        texts.append(("Revision", revision_prompt(chosen, example["prompt"], example["response_b"], example["critique"],
                                                  preamble)))
    return {"method": method, "methods": METHODS, "principles": candidates, "chosen": chosen,
            "texts": texts, "error": error, "example": example}
