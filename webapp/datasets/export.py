"""Exporting pairs as a Dataset: human reviews applied, streamed to a file with flat memory.

The record formats and writers are alignment.records'; what is decided here is which pairs
become which records: a human flip swaps the responses, a human tie is a tie, a flag or
reviewers who disagree leave the pair out, ties are dropped unless the export keeps them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from alignment import records
from alignment.errors import UserError
from alignment.names import check_name
from webapp.core.models import record
from webapp.datasets.models import Dataset
from webapp.feedback.models import PreferencePair
from webapp.jobs import services as jobs
from webapp.jobs.engine import add_artifact
from webapp.jobs.models import Job
from webapp.pairs import verdicts
from webapp.pairs.selectors import PairFilter, visible_pairs

CHUNK = 2000


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def dataset_path(dataset: Dataset) -> Path:
    """Built from the id and format alone: no user text ever reaches a path."""
    return exports_dir() / f"dataset-{dataset.pk}{records.FORMATS[dataset.format]}"


def launch_export(user, name: str, query: dict, kind: str = "preference", keep_ties: bool = False,
                  format: str = "jsonl") -> Dataset:
    name = check_name(name, "the dataset's name")
    if kind not in records.KINDS:
        raise UserError(f"kind must be one of {', '.join(records.KINDS)}")
    if format not in records.FORMATS:
        raise UserError(f"format must be one of {', '.join(records.FORMATS)}")
    f = PairFilter.from_query(query)
    if f.errors:
        raise UserError("; ".join(f.errors))
    clean = {k: v for k, v in query.items() if k in PairFilter.__dataclass_fields__ and v and k != "errors"}
    runs = f.apply(visible_pairs(user)).values("job_id").distinct()
    with transaction.atomic():
        if Dataset.objects.filter(name=name).exists():
            raise UserError(f"a dataset named {name!r} already exists")
        dataset = Dataset.objects.create(name=name, kind=kind, filter=clean, keep_ties=keep_ties, created_by=user,
                                         format=format)
        dataset.job = jobs.launch("export", {"dataset": dataset.pk, "name": name, "kind": kind, "format": format,
                                             "filter": clean, "keep_ties": keep_ties}, user,
                                  derived_from=versions_of_runs(runs))
        dataset.save(update_fields=["job"])
        record(user, "export_dataset", dataset, name=name, kind=kind, format=format, filter=clean)
    return dataset


def versions_of_runs(runs) -> set[int]:
    """Every version the given runs derive from: what a dataset of their pairs derives from."""
    return set(Job.derived_from.through.objects.filter(job_id__in=runs)
               .values_list("constitutionversion_id", flat=True))


def preference_record(pair: dict[str, Any], prompt: str, keep_ties: bool) -> tuple[dict | None, str]:
    """(record, outcome), with the reviewers' verdict applied as webapp/pairs/verdicts.py says:
    agree keeps the judge's label and soft label (a tie included); a flip swaps the responses and
    is a definite human preference (soft label 1, margin 1: the judge's label, which pointed the
    other way, must not reach soft-label training); a human tie is a tie (soft label 0.5); a flag
    or reviewers who disagree ("mixed") leave the pair out."""
    verdict = pair["human_verdict"]
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
        prompt, chosen, rejected, tie=tie, soft_label=soft_label, margin=margin,
        human_verdict=verdict or None, method=pair["method"], principles=pair["principles"], negated=pair["negated"],
        pair_id=pair["id"], constitution_version=pair["constitution_version_id"], run=pair["job_id"]), "written"


def sft_record(pair: dict[str, Any], prompt: str) -> tuple[dict | None, str]:
    if pair["method"] != "sl_cai":
        return None, "dropped_not_sl_cai"
    if pair["human_verdict"] in ("flag", "mixed", "flip", "tie"):
        return None, f"dropped_{pair['human_verdict']}"
    return records.sft_record(prompt, pair["chosen"], pair_id=pair["id"],
                              constitution_version=pair["constitution_version_id"], run=pair["job_id"]), "written"


FIELDS = ("id", "chosen", "rejected", "tie", "soft_label", "margin", "human_verdict", "method", "principles", "negated",
          "constitution_version_id", "job_id", "prompt__text")


def outcomes(dataset: Dataset, user) -> Iterator[tuple[dict | None, str]]:
    """One (record, outcome) per matching pair, in id order, read in chunks."""
    qs = PairFilter.from_query(dataset.filter).apply(visible_pairs(user) if user else PreferencePair.objects.all())
    for row in qs.order_by("id").values(*FIELDS).iterator(chunk_size=CHUNK):
        prompt = row.pop("prompt__text")
        yield preference_record(row, prompt, dataset.keep_ties) if dataset.kind == "preference" else sft_record(row, prompt)


def write(dataset: Dataset, user, on_progress=lambda n: None) -> Dataset:
    """Stream the records to a partial file, hashing their canonical lines as it goes; rename
    when complete, so a crash never leaves a file that looks finished. Re-running rewrites it."""
    target = dataset_path(dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    counts: Counter[str] = Counter()
    runs: set[int] = set()

    def written() -> Iterator[dict]:
        for n, (row, outcome) in enumerate(outcomes(dataset, user), start=1):
            counts[outcome] += 1
            if row is not None:
                runs.add(row["run"])
                yield row
            if n % CHUNK == 0:
                on_progress(n)

    sha256, _ = records.write_dataset(written(), partial, dataset.format, dataset.kind)
    os.replace(partial, target)
    Dataset.objects.filter(pk=dataset.pk).update(rows=counts["written"], counts=dict(counts), sha256=sha256,
                                                 size_bytes=target.stat().st_size)
    if dataset.job is not None:
        add_artifact(dataset.job.pk, "dataset", target)
        # What the records actually came from (pairs may have arrived since the launch).
        dataset.job.derived_from.add(*versions_of_runs(runs))
    dataset.refresh_from_db()
    return dataset
