"""Exporting pairs as Datasets, streamed to files with flat memory.

One export can combine several sources (filters of the pairs list: runs, imports, principles...),
each recorded in the dataset's lineage, and can be split at random into a training part and a
held-out part (each a Dataset with its own hash). Which pairs become which records is
webapp/datasets/conversion.py's; the formats and writers are alignment.records'.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

from alignment import record_files, records, splits
from alignment.errors import UserError
from alignment.names import check_name
from webapp.core.models import record
from webapp.datasets import conversion
from webapp.datasets.models import Dataset
from webapp.feedback import judges
from webapp.feedback.models import PreferencePair, Revision
from webapp.feedback.selectors import visible_pairs
from webapp.jobs import services as jobs
from webapp.jobs.engine import add_artifact
from webapp.jobs.models import Job
from webapp.pairs.models import Review
from webapp.pairs.selectors import PairFilter
from webapp.prompts.models import Response

CHUNK = 2000
MAX_SOURCES = 20


def exports_dir() -> Path:
    return Path(settings.ARTIFACTS_DIR) / "exports"


def dataset_path(dataset: Dataset) -> Path:
    """Built from the id and format alone: no user text ever reaches a path."""
    return exports_dir() / f"dataset-{dataset.pk}{record_files.FORMATS[dataset.format]}"


def _clean(query: dict) -> dict:
    f = PairFilter.from_query(query)
    if f.errors:
        raise UserError("; ".join(f.errors))
    return {k: str(v) for k, v in query.items() if k in PairFilter.__dataclass_fields__ and v and k != "errors"}


def launch_export(user, name: str, query: dict, kind: str = "preference", keep_ties: bool = False,
                  format: str = "jsonl", also: list[dict] | None = None, heldout: float = 0.0, seed: int = 0,
                  threshold: float = 3.0, calibrate: Job | None = None, every_round: bool = True,
                  helpful: Job | None = None, helpful_share: float = 0.0) -> Dataset:
    """Export the pairs matching `query` (and each filter in `also`) as one Dataset; with
    `heldout`, that share of the pairs (drawn from the seed) goes to a second, held-out Dataset.
    With `calibrate` (a judge's run on given pairs), the soft labels of the pairs its judge
    configuration made are scaled by the temperatures fitted on that run, per principle.
    SFT records of SL-CAI take the revision of every round (or only the last), and `helpful`, a
    sampling run on benign prompts, mixes the policy's own answers in: `helpful_share` of the
    dataset's records (Constitutional AI mixes helpful samples back in to stay helpful)."""
    name = check_name(name, "the dataset's name")
    if kind not in records.KINDS:
        raise UserError(f"kind must be one of {', '.join(records.KINDS)}")
    if format not in record_files.FORMATS:
        raise UserError(f"format must be one of {', '.join(record_files.FORMATS)}")
    if not 0 <= heldout < 1:
        raise UserError("heldout must be a share between 0 and 1 (0: no held-out part)")
    if not 0 <= seed < 2**32 or not -1000 <= threshold <= 1000:
        raise UserError("seed must be 0 to 2**32 - 1 and threshold a score")
    sources = [_clean(q) for q in [query, *(also or [])]]
    if len(sources) > MAX_SOURCES:
        raise UserError(f"at most {MAX_SOURCES} sources in one export")
    names = [name] + ([check_name(f"{name} (held out)", "the held-out dataset's name")] if heldout else [])
    runs: set[int] = set()
    for source in sources:
        runs |= set(PairFilter.from_query(source).apply(visible_pairs(user)).values_list("job_id", flat=True).distinct())
    if calibrate is not None and kind != "preference":
        raise UserError("calibrate: only preference pairs carry soft labels to calibrate")
    if (helpful is not None or helpful_share) and kind != "sft":
        raise UserError("helpful: only SFT records mix in the policy's own helpful answers")
    if helpful is not None and not 0 < helpful_share <= 0.9:
        raise UserError("helpful_share must be above 0 and at most 0.9 (the share of the dataset's records)")
    if helpful is None and helpful_share:
        raise UserError("helpful_share needs a sampling run on benign prompts to take the answers from")
    calibration = _calibration(user, calibrate, runs) if calibrate is not None else None
    with transaction.atomic():
        taken = Dataset.objects.filter(name__in=names).values_list("name", flat=True).first()
        if taken:
            raise UserError(f"a dataset named {taken!r} already exists")
        made = []
        for part, dataset_name in zip(("train", "heldout"), names):
            options = {"sources": sources, "threshold": threshold} | (
                {"rounds": "all" if every_round else "last"} if kind == "sft" else {}) | (
                {"helpful": {"run": helpful.pk, "share": helpful_share}} if helpful is not None else {}) | (
                {"split": {"part": part, "heldout": heldout, "seed": seed}} if heldout else {}) | (
                {"calibration": calibration} if calibration else {})
            made.append(Dataset.objects.create(name=dataset_name, kind=kind, filter=sources[0], keep_ties=keep_ties,
                                               created_by=user, format=format, options=options))
        job = jobs.launch("export", {"datasets": [d.pk for d in made], "name": name, "kind": kind, "format": format,
                                     "sources": sources, "keep_ties": keep_ties, "heldout": heldout, "seed": seed},
                          user, derived_from=versions_of_runs(runs))
        for dataset in made:
            dataset.job = job
            dataset.save(update_fields=["job"])
            record(user, "export_dataset", dataset, name=dataset.name, kind=kind, format=format, sources=sources)
    return made[0]


def _calibration(user, run: Job, runs: set[int]) -> dict:
    """What the dataset records of its calibration: the run the temperatures were fitted on, the
    judge configuration, the temperatures, and which of the exported runs that judge made."""
    if not judges.given_runs(user).filter(pk=run.pk).exists():
        raise UserError(f"calibrate: run {run.pk} is not a finished run on given pairs you may see")
    key = judges.config_key(run)
    matching = sorted(r.pk for r in Job.objects.filter(pk__in=runs, kind="feedback") if judges.config_key(r) == key)
    if not matching:
        raise UserError(f"calibrate: none of the exported pairs were judged by the configuration of run {run.pk} "
                        f"({judges.config_label(judges.judge_config(run))})")
    return {"run": run.pk, "judge": judges.config_label(judges.judge_config(run)), "key": key,
            "temperatures": judges.fitted_temperatures(run), "runs": matching}


def versions_of_runs(runs) -> set[int]:
    """Every version the given runs derive from: what a dataset of their pairs derives from."""
    return set(Job.derived_from.through.objects.filter(job_id__in=runs)
               .values_list("constitutionversion_id", flat=True))


def in_part(pair_id: int, split: dict) -> bool:
    """Whether a pair belongs to this part of a split: a stable draw from the seed and the id."""
    return splits.held_out(split["seed"], pair_id, split["heldout"]) == (split["part"] == "heldout")


def outcomes(dataset: Dataset, user) -> Iterator[tuple[dict | None, str]]:
    """(record, outcome) for each matching pair of each source (a pair in two sources counts
    once), in id order within a source, read in chunks."""
    base = visible_pairs(user) if user else PreferencePair.objects.all()
    options = dataset.options or {}
    split, threshold = options.get("split"), float(options.get("threshold", 3.0))
    calibration = options.get("calibration")
    every_round = options.get("rounds", "all") == "all"
    seen: set[int] = set()
    harmless = 0
    for source in options.get("sources") or [dataset.filter]:
        qs = conversion.with_corrections(PairFilter.from_query(source).apply(base))
        flags = dict(Review.objects.filter(pair__in=qs.filter(human_verdict="flag").values("pk"), verdict="flag")
                     .values_list("pair_id", "reason")) if dataset.kind == "unpaired" else {}
        for chunk in _chunks(qs.order_by("id").values(*conversion.FIELDS).iterator(chunk_size=CHUNK)):
            chains = _chains(chunk) if dataset.kind == "sft" else {}
            for row in chunk:
                if row["id"] in seen or (split and not in_part(row["id"], split)):
                    continue
                seen.add(row["id"])
                prompt = row.pop("prompt__text")
                if calibration and row["job_id"] in calibration["runs"]:
                    conversion.calibrate(row, calibration["temperatures"])
                if dataset.kind == "preference":
                    yield conversion.preference_record(row, prompt, dataset.keep_ties)
                elif dataset.kind == "sft":
                    for out in conversion.sft_records(row, prompt, chains.get((row["job_id"], row["key"])), every_round):
                        harmless += out[0] is not None
                        yield out
                else:
                    yield from conversion.unpaired_records(row, prompt, threshold, flags.get(row["id"], ""))
    if options.get("helpful"):
        yield from _helpful(options["helpful"], harmless)


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, CHUNK)):
        yield chunk


def _chains(rows: list[dict]) -> dict[tuple[int, str], list[dict]]:
    """The critique/revision chains of a chunk of SL-CAI pairs, by (run, key)."""
    wanted = {(r["job_id"], r["key"]) for r in rows if r["method"] == "sl_cai"}
    if not wanted:
        return {}
    found = Revision.objects.filter(job_id__in={j for j, _ in wanted}, key__in={k for _, k in wanted})
    return {(j, k): chain for j, k, chain in found.values_list("job_id", "key", "chain") if (j, k) in wanted}


def _helpful(helpful: dict, harmless: int) -> Iterator[tuple[dict | None, str]]:
    """As many of the sampling run's answers as make them `share` of all records, in id order;
    fewer when the run has fewer (the counts say so)."""
    share = helpful["share"]
    wanted = round(harmless * share / (1 - share))
    rows = Response.objects.filter(job_id=helpful["run"]).order_by("id").values("text", "prompt__text", "job_id")
    got = 0
    for response in rows[:wanted].iterator(chunk_size=CHUNK):
        got += 1
        yield conversion.helpful_record(dict(response)), "helpful"
    if got < wanted:
        yield None, f"helpful_short_by_{wanted - got}"


def write(dataset: Dataset, user, on_progress=lambda n: None) -> Dataset:
    """Stream the records to a partial file, hashing their canonical lines as it goes; rename
    when complete, so a crash never leaves a file that looks finished. Re-running rewrites it."""
    target = dataset_path(dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Each writer its own partial file: two attempts of one export (a redelivered job beside the
    # one still running) write the same records, and the last rename wins with the same content.
    partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.partial")
    counts: Counter[str] = Counter()
    runs: set[int] = set()
    rows = 0

    def written() -> Iterator[dict]:
        nonlocal rows
        for n, (row, outcome) in enumerate(outcomes(dataset, user), start=1):
            counts[outcome] += 1
            if row is not None:
                rows += 1
                if row["pair_id"] is not None:  # a helpful answer comes from a sampling run, not a version
                    runs.add(row["run"])
                yield row
            if n % CHUNK == 0:
                on_progress(n)

    try:
        sha256, _ = record_files.write_dataset(written(), partial, dataset.format, dataset.kind)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    Dataset.objects.filter(pk=dataset.pk).update(rows=rows, counts=dict(counts), sha256=sha256,
                                                 size_bytes=target.stat().st_size,
                                                 options={**dataset.options, "runs": sorted(runs)})
    if dataset.job is not None:
        add_artifact(dataset.job.pk, f"dataset {dataset.pk}", target)
        # What the records actually came from (pairs may have arrived since the launch).
        dataset.job.derived_from.add(*versions_of_runs(runs))
    dataset.refresh_from_db()
    return dataset
