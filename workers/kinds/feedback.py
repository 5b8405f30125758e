"""The "feedback" job: a whole AI-feedback run in a child process (`python -m alignment
feedback --events`). Samples, judgments, pairs and revisions are stored as they arrive, with
idempotent keys (webapp/feedback/ingest.py); a resumed run skips prompts (or given pairs)
already judged and reuses stored samples.

A run on given pairs (an imported set, an earlier run or a dataset) hands the child those pairs
as they are, keyed by the pair's id, so each new pair points at the pair it labelled."""

from __future__ import annotations

from collections.abc import Iterator

from alignment import record_files
from alignment.feedback.pipeline import FeedbackConfig
from webapp.datasets.export import dataset_path
from webapp.datasets.models import Dataset
from webapp.feedback.ingest import ingest, is_given, judged_pairs, pending, summary
from webapp.feedback.judges import record_report
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job
from webapp.prompts.services import prompt_row
from workers.inputs import config_of, write_constitution, write_rows
from workers.runner import JobContext


def run(ctx: JobContext) -> dict:
    job = ctx.job
    if is_given(job):
        return _given(ctx)
    remaining, done = pending(job)
    total = done + len(remaining)
    ctx.progress(done, total, f"{done}/{total} prompts judged")
    if remaining:
        prompts = write_rows(job, "prompts.jsonl", (prompt_row(p, responses=r) for p, r in remaining))
        config = config_of(job, FeedbackConfig, prompts=prompts,
                           constitution=write_constitution(job, job.config["constitution_version"]))
        ctx.run_kind(config, lambda event: ingest(job, event), offset=done, total=total)
    return summary(job.results_job)


def given_pairs(job: Job) -> Iterator[dict]:
    """The pairs a run labels, in order, up to its limit (a shard: every shards-th of them):
    {pair_id, prompt, chosen, rejected}."""
    shard, shards = job.config.get("shard"), job.config.get("shards") or 1
    for n, row in enumerate(_given_pairs(job)):
        if shard is None or n % shards == shard:
            yield row


def _given_pairs(job: Job) -> Iterator[dict]:
    limit = job.config.get("limit") or None
    if job.config.get("pairs_dataset"):
        dataset = Dataset.objects.get(pk=job.config["pairs_dataset"])
        rows = (r for r in record_files.read_records(dataset_path(dataset)) if r.get("pair_id") is not None)
        for n, row in enumerate(rows):
            if limit and n >= limit:
                return
            yield {"pair_id": int(row["pair_id"]), "prompt": row["prompt"], "chosen": row["chosen"],
                   "rejected": row["rejected"]}
        return
    pairs = PreferencePair.objects.filter(job_id=job.config["pairs_from"]).order_by("id") \
        .values_list("id", "prompt__text", "chosen", "rejected")
    for pair_id, prompt, chosen, rejected in pairs[:limit].iterator(chunk_size=2000):
        yield {"pair_id": pair_id, "prompt": prompt, "chosen": chosen, "rejected": rejected}


def _given(ctx: JobContext) -> dict:
    job = ctx.job
    done_ids = judged_pairs(job.results_job)
    total, remaining = 0, []
    for row in given_pairs(job):
        total += 1
        if row["pair_id"] not in done_ids:
            remaining.append(row)
    done = total - len(remaining)
    ctx.progress(done, total, f"{done}/{total} given pairs judged")
    if remaining:
        pairs = write_rows(job, "pairs.jsonl", remaining)
        config = config_of(job, FeedbackConfig, pairs=pairs,
                           constitution=write_constitution(job, job.config["constitution_version"]))
        ctx.run_kind(config, lambda event: ingest(job, event), offset=done, total=total)
    ctx.progress(total, total, f"{total} given pairs judged")
    if job.parent_id:  # the parent's report is made once every shard has judged its share
        return {"given pairs": total}
    return {"given pairs": total} | summary(job) | {"judge": record_report(job)}
