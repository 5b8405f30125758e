"""Judge-vs-human and human-vs-human agreement over reviewed pairs.

Labels are stated in a framing both sides share: of the pair's two responses, the one whose
text sorts first is "x", the other "y", and "tie" is a tie. (Stated as "chosen" the judge's
label would be constant, and kappa meaningless.) Flags are not verdicts and are left out.

Against an imported human-labeled (or external) run, each judged pair is matched to the
imported pair with the same prompt and the same two responses, in either order, whitespace
normalised; the judge's label is compared with the imported one in the same framing.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict

from django.db.models import QuerySet

from alignment.agreement import alpha_with_ci, kappa_with_ci, percent_agreement
from webapp.feedback.models import IMPORTED, PreferencePair
from webapp.jobs.models import Job
from webapp.pairs import verdicts
from webapp.pairs.models import Review
from webapp.prompts.models import Prompt

CHUNK = 2000
PROMPTS_PER_QUERY = 500  # well under every database's limit on query parameters
IMPORTED_METHODS = tuple(dict(IMPORTED))


def _labels(pair) -> tuple[str, dict[str, str]]:
    """The judge's label and each verdict's, in the shared x / y / tie framing (verdicts.py)."""
    chosen_is_x = pair.chosen <= pair.rejected
    judge = "tie" if pair.tie else ("x" if chosen_is_x else "y")
    other = "y" if chosen_is_x else "x"
    meaning = {verdicts.JUDGE: judge, verdicts.OTHER: other, verdicts.TIE: "tie"}
    human = {v: meaning[verdicts.human_choice(v) or verdicts.JUDGE] for v in ("agree", "flip", "tie")}
    return judge, human


def _row(name: str, judge: list[str], human: list[str]) -> dict:
    return {"name": name, "n": len(judge), "agreement": percent_agreement(judge, human),
            "kappa": kappa_with_ci(judge, human).as_dict()}


def agreement_report(pairs: QuerySet, against: Job | None = None) -> dict:
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
        "against": against_imported(pairs, against) if against else None,
    }


def imported_runs() -> QuerySet:
    """The runs a judge can be measured against: finished imports, newest first."""
    return Job.objects.filter(kind="import", status=Job.Status.SUCCEEDED).order_by("-id")


def imported_run(raw: str) -> Job | None:
    """The `against` parameter: blank, or the id of an imported run (ValueError otherwise)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    run = imported_runs().filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
    if run is None:
        raise ValueError("against must be the id of an imported run (see the list)")
    return run


def _normal(text: str) -> str:
    return " ".join(text.split())


def _digest(*parts: str) -> bytes:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big") + data)  # length-prefixed: no separator can be forged
    return digest.digest()


def _prompt_key(text: str) -> bytes:
    return _digest(_normal(text))


def _pair_key(prompt_key: bytes, chosen: str, rejected: str) -> tuple[bytes, str]:
    """(key, side): the key hashes the prompt and the unordered pair of responses, whitespace
    normalised; side says whether chosen is "x" (its normalised text sorts first) or "y"."""
    chosen, rejected = _normal(chosen), _normal(rejected)
    return _digest(prompt_key.hex(), *sorted((chosen, rejected))), "x" if chosen <= rejected else "y"


def _imported_labels(run: Job) -> tuple[dict[bytes, str], Counter, int, set[bytes]]:
    """The imported run's labels by key (the first pair wins where the file repeats one), how
    many more pairs repeat each key, how many pairs it holds, and its prompts' keys. Only
    hashes stay in memory."""
    labels: dict[bytes, str] = {}
    repeats: Counter = Counter()
    prompts: dict[int, bytes] = {}
    rows = (PreferencePair.objects.filter(job=run, method__in=IMPORTED_METHODS)
            .values_list("prompt_id", "prompt__text", "chosen", "rejected", "tie").iterator(chunk_size=CHUNK))
    total = 0
    for prompt_id, prompt, chosen, rejected, tie in rows:
        if prompt_id not in prompts:
            prompts[prompt_id] = _prompt_key(prompt)
        key, side = _pair_key(prompts[prompt_id], chosen, rejected)
        total += 1
        if key in labels:
            repeats[key] += 1
        else:
            labels[key] = "tie" if tie else side
    return labels, repeats, total, set(prompts.values())


def _candidate_prompts(judged: QuerySet, wanted: set[bytes]) -> dict[int, bytes]:
    """The prompts of the judged pairs whose text is one of the imported prompts, by id. Each
    prompt is read once, however many pairs it has; pairs of other prompts are never read."""
    rows = Prompt.objects.filter(pk__in=judged.values("prompt_id")).order_by("id").values_list("id", "text")
    found = {}
    for prompt_id, text in rows.iterator(chunk_size=CHUNK):
        key = _prompt_key(text)
        if key in wanted:
            found[prompt_id] = key
    return found


def against_imported(pairs: QuerySet, run: Job) -> dict:
    """Judge vs imported labels over the judged pairs among `pairs` (imported ones are not
    judgments and are left out). Only the judged pairs whose prompt is one of the imported
    prompts are read, streamed in chunks."""
    labels, repeats, total, wanted = _imported_labels(run)
    judged = pairs.exclude(method__in=IMPORTED_METHODS)
    prompts = _candidate_prompts(judged, wanted)
    judge_all, imported_all = [], []
    by_principle: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    matched: set[bytes] = set()
    ids = sorted(prompts)
    for start in range(0, len(ids), PROMPTS_PER_QUERY):
        rows = (judged.filter(prompt_id__in=ids[start:start + PROMPTS_PER_QUERY]).order_by("id")
                .values_list("prompt_id", "chosen", "rejected", "tie", "principles"))
        for prompt_id, chosen, rejected, tie, principles in rows.iterator(chunk_size=CHUNK):
            key, side = _pair_key(prompts[prompt_id], chosen, rejected)
            label = labels.get(key)
            if label is None:
                continue
            matched.add(key)
            judge = "tie" if tie else side
            judge_all.append(judge)
            imported_all.append(label)
            for principle in principles:
                by_principle[principle][0].append(judge)
                by_principle[principle][1].append(label)
    matched_imported = sum(1 + repeats[k] for k in matched)
    return {
        "run": run.pk, "name": run.config.get("name", ""), "source": run.config.get("source", ""),
        "imported": total, "matched": len(judge_all), "matched_imported": matched_imported,
        "unmatched_imported": total - matched_imported,
        "judge_vs_imported": _row("all principles", judge_all, imported_all),
        "per_principle": [_row(k, *v) for k, v in sorted(by_principle.items())],
    }
