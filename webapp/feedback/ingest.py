"""What feedback runs and imports store: judgments, pairs and revisions from a run's events,
and fast bulk insert of pairs for imports and seeding at scale.

Django's bulk_create spends most of its time preparing each value of each row through the
field machinery (measured: about 70% of the time for 20k pairs on SQLite). Pairs have a fixed
shape, so rows are prepared once here and sent with the driver's own bulk path: COPY on
PostgreSQL, executemany on SQLite. Each batch is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from alignment import records
from webapp.feedback.models import Judgment, PreferencePair, Revision
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, Response
from webapp.prompts.services import chosen_prompts, store_responses

# Columns a caller supplies, and the defaults of the rest.
REQUIRED = ("job_id", "prompt_id", "key", "method", "constitution_version_id", "chosen", "rejected", "soft_label",
            "margin")
DEFAULTS = {"tie": False, "principles": [], "negated": [], "chosen_score": None, "rejected_score": None,
            "order_disagreement": False, "human_verdict": "", "review_count": 0, "review_version": 0}
JSON = ("principles", "negated")
COLUMNS = REQUIRED + tuple(DEFAULTS) + ("length_diff", "created_at")


def _rows(pairs: Iterable[dict], created_at) -> Iterator[tuple]:
    for pair in pairs:
        values = {**DEFAULTS, **pair}
        for name in JSON:
            values[name] = json.dumps(values[name])
        values["length_diff"] = records.length_diff(values["chosen"], values["rejected"])
        values["created_at"] = created_at
        yield tuple(values[c] for c in COLUMNS)


def insert_pairs(pairs: Iterable[dict], batch: int = 5000) -> int:
    """Insert pairs given as dicts of the REQUIRED columns (and optionally the others)."""
    table = PreferencePair._meta.db_table
    now = timezone.now()
    created_at = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    n, buffer = 0, []
    for row in _rows(pairs, created_at):
        buffer.append(row)
        if len(buffer) == batch:
            n += _flush(table, buffer)
            buffer = []
    if buffer:
        n += _flush(table, buffer)
    return n


def _flush(table: str, rows: list[tuple]) -> int:
    quoted = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608 - our columns
            cursor.executemany(sql, rows)
    return len(rows)


# --- a feedback run's events ----------------------------------------------------------------

def pending(job: Job) -> tuple[list[tuple[Prompt, list[str]]], int]:
    """(prompts not yet judged, each with the responses already sampled for it; how many are
    done): a resumed run skips judged prompts and never samples a stored response again."""
    prompts = chosen_prompts(job)  # a shard's own share; what is done is read from the run's results
    results = job.results_job
    done = set(Judgment.objects.filter(job=results).values_list("prompt_id", flat=True))
    done |= set(Revision.objects.filter(job=results).values_list("prompt_id", flat=True))
    samples: dict[int, list[str]] = {}
    for prompt_id, text in Response.objects.filter(job=results).order_by("prompt_id", "sample_index") \
            .values_list("prompt_id", "text"):
        samples.setdefault(prompt_id, []).append(text)
    remaining = [(p, samples.get(p.pk, [])) for p in prompts if p.pk not in done]
    return remaining, len(prompts) - len(remaining)


def ingest(job: Job, event: dict) -> None:
    """One event of a feedback run's child: samples, or a batch of judged records."""
    if event["event"] != "records":
        return
    if event["stage"] == "samples":
        store_responses(job, event["items"])  # into job.results_job
    else:
        store_results(job.results_job, event["items"])


def pair_row(job: Job, prompt_id: int, key: str, method: str, chosen: str, rejected: str, **columns) -> PreferencePair:
    return PreferencePair(job=job, prompt_id=prompt_id, key=key, method=method, chosen=chosen, rejected=rejected,
                          constitution_version_id=job.constitution_version_id,
                          length_diff=records.length_diff(chosen, rejected), **columns)


@transaction.atomic
def store_results(job: Job, items: list[dict]) -> None:
    """One batch of judged records in one transaction, so a prompt is either fully judged or
    not; every row has an idempotent key, so a resumed run may send a record again."""
    judge, method, version = job.config["judge_model"], job.config["method"], job.constitution_version_id
    given = is_given(job)
    # Given pairs are keyed by the pair they label; sampled ones by their prompt.
    prompt_of = _prompts_of_pairs({int(item.get("pair_key", item["key"])) for item in items}) if given else {}
    judgments, pairs, revisions = [], [], []
    for item in items:
        source = int(item.get("pair_key", item["key"]))
        if given and source not in prompt_of:
            continue  # the given pair was deleted since the run began
        prompt_id = prompt_of[source] if given else source
        link = {"source_pair_id": source} if given else {}
        common = {"job": job, "prompt_id": prompt_id, "constitution_version_id": version}
        if method in ("rl_cai", "salmon"):
            judgments += [Judgment(
                **common, key=f"{item['key']}:{j['principle_key']}:{int(j['negated'])}:{j['order']}", judge_model=judge,
                principle_key=j["principle_key"], order=j["order"], negated=j["negated"], p_a=j["p_a"],
                p_first=j["p_first"], rationale=j["rationale"], latency_ms=j["latency_ms"]) for j in item["judgments"]]
            pairs.append(pair_row(job, prompt_id, item["key"], method, item["chosen"], item["rejected"],
                                  soft_label=item["soft_label"], margin=item["margin"], tie=item["tie"],
                                  principles=item["principles"], negated=item["negated"],
                                  order_disagreement=orders_disagree(item["judgments"]), **link))
        elif method == "self_rewarding":
            judgments += [Judgment(
                **common, key=f"{item['key']}:{response['index']}:{n}", judge_model=judge,
                principle_key=item["rubric"], response_index=response["index"], score=j["score"],
                parse_status=j["parse_status"], raw=j["raw"], latency_ms=j["latency_ms"])
                for response in item["responses"] for n, j in enumerate(response["judgments"])]
            if not item["tie"]:
                pairs.append(pair_row(job, prompt_id, item["key"], method, item["chosen"], item["rejected"],
                                      soft_label=1.0, margin=item["margin"], principles=[item["rubric"]],
                                      chosen_score=item["chosen_score"], rejected_score=item["rejected_score"], **link))
            elif given:  # a judged pair is kept even when the judge could not tell (the paper drops ties)
                first, second = item["responses"][:2]
                pairs.append(pair_row(job, prompt_id, item["key"], method, first["text"], second["text"],
                                      soft_label=0.5, margin=0.0, tie=True, principles=[item["rubric"]],
                                      chosen_score=first["score"], rejected_score=second["score"], **link))
        else:
            revisions.append(Revision(**common, key=item["key"], original=item["original"],
                                      revision=item["revision"], chain=item["chain"]))
            pairs.append(pair_row(job, prompt_id, item["key"], method, item["revision"], item["original"],
                                  soft_label=1.0, margin=1.0, principles=sorted({c["principle"] for c in item["chain"]})))
    Judgment.objects.bulk_create(judgments, ignore_conflicts=True)
    PreferencePair.objects.bulk_create(pairs, ignore_conflicts=True)
    Revision.objects.bulk_create(revisions, ignore_conflicts=True)


def _prompts_of_pairs(ids: set[int]) -> dict[int, int]:
    return dict(PreferencePair.objects.filter(pk__in=ids).values_list("pk", "prompt_id"))


def orders_disagree(judgments: list[dict]) -> bool:
    """True when, for some principle, the two presentation orders picked different winners."""
    winners: dict[tuple, set[bool]] = {}
    for j in judgments:
        winners.setdefault((j["principle_key"], j["negated"]), set()).add(j["p_first"] >= 0.5)
    return any(len(w) > 1 for w in winners.values())


def is_given(job: Job) -> bool:
    """A run that labels given pairs (an imported set, an earlier run, a dataset) rather than sampling."""
    return bool(job.config.get("pairs_from") or job.config.get("pairs_dataset"))


def judged_pairs(job: Job) -> set[int]:
    """The given pairs a run has judged (its judgments' keys begin with the pair's id)."""
    return {int(key.split(":", 1)[0]) for key in Judgment.objects.filter(job=job).values_list("key", flat=True)}


def summary(job: Job) -> dict:
    pairs = PreferencePair.objects.filter(job=job)
    counts = {} if is_given(job) else {"prompts": len(chosen_prompts(job))}  # a given-pairs run counts its own
    return counts | {"pairs": pairs.filter(tie=False).count(), "ties": pairs.filter(tie=True).count(),
                     "judgments": Judgment.objects.filter(job=job).count(),
                     "revisions": Revision.objects.filter(job=job).count()}
