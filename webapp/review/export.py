"""Exporting pairs as a Dataset: human overrides applied, streamed to a file with flat memory.

Records follow TRL's conversational formats: preference records carry `prompt` (the user
turn), `chosen` and `rejected` (assistant turns); SFT records carry `prompt` and
`completion`. Extra columns (soft label, margin, lineage) ride along; TRL ignores them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterator

from django.conf import settings
from django.db import transaction

from alignment.errors import UserError
from webapp.feedback.models import PreferencePair
from webapp.jobs import services as jobs
from webapp.review.models import Dataset
from webapp.review.selectors import PairFilter, visible_pairs

CHUNK = 2000
# One encoder for every line: json.dumps(record, ensure_ascii=False) builds a new one per
# call, which is measurable at a million records. Same settings, so the same bytes.
_canonical_json = json.JSONEncoder(ensure_ascii=False).encode


def exports_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


SUFFIX = {"jsonl": ".jsonl", "parquet": ".parquet", "hf": ".tar"}


def dataset_path(dataset: Dataset) -> Path:
    """Built from the id and format alone: no user text ever reaches a path."""
    return exports_dir() / f"dataset-{dataset.pk}{SUFFIX[dataset.format]}"


def launch_export(user, name: str, query: dict, kind: str = "preference", keep_ties: bool = False,
                  format: str = "jsonl"):
    name = (name or "").strip()
    if not name:
        raise UserError("a name for the dataset is required")
    if kind not in dict(Dataset.KINDS):
        raise UserError(f"kind must be one of {', '.join(dict(Dataset.KINDS))}")
    if format not in SUFFIX:
        raise UserError(f"format must be one of {', '.join(SUFFIX)}")
    f = PairFilter.from_query(query)
    if f.errors:
        raise UserError("; ".join(f.errors))
    clean = {k: v for k, v in query.items() if k in PairFilter.__dataclass_fields__ and v and k != "errors"}
    with transaction.atomic():
        if Dataset.objects.filter(name=name).exists():
            raise UserError(f"a dataset named {name!r} already exists")
        dataset = Dataset.objects.create(name=name, kind=kind, filter=clean, keep_ties=keep_ties, created_by=user,
                                         format=format)
        dataset.job = jobs.launch("export_pairs", {"dataset": dataset.pk, "name": name, "kind": kind, "format": format,
                                                   "filter": clean, "keep_ties": keep_ties}, user)
        dataset.save(update_fields=["job"])
    return dataset


def preference_record(pair, prompt: str, keep_ties: bool) -> tuple[dict | None, str]:
    """(record, outcome): a human flip swaps the responses; a human tie counts as a tie; a
    flag or reviewers who disagree ("mixed") leave the pair out."""
    verdict = pair["human_verdict"]
    if verdict in ("flag", "mixed"):
        return None, f"dropped_{verdict}"
    chosen, rejected = pair["chosen"], pair["rejected"]
    if verdict == "flip":
        chosen, rejected = rejected, chosen
    # "agree" keeps the judge's label, a tie included; a flip is a definite preference.
    tie = verdict == "tie" or (pair["tie"] and verdict != "flip")
    if tie and not keep_ties:
        return None, "dropped_tie"
    return {
        "prompt": [{"role": "user", "content": prompt}],
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "tie": tie, "soft_label": pair["soft_label"], "margin": pair["margin"], "human_verdict": verdict or None,
        "method": pair["method"], "principles": pair["principles"], "negated": pair["negated"], "pair_id": pair["id"],
        "constitution_version": pair["constitution_version_id"], "run": pair["job_id"],
    }, "written"


def sft_record(pair, prompt: str) -> tuple[dict | None, str]:
    if pair["method"] != "sl_cai":
        return None, "dropped_not_sl_cai"
    if pair["human_verdict"] in ("flag", "mixed", "flip", "tie"):
        return None, f"dropped_{pair['human_verdict']}"
    return {"prompt": [{"role": "user", "content": prompt}], "completion": [{"role": "assistant", "content": pair["chosen"]}],
            "pair_id": pair["id"], "constitution_version": pair["constitution_version_id"], "run": pair["job_id"]}, "written"


FIELDS = ("id", "chosen", "rejected", "tie", "soft_label", "margin", "human_verdict", "method", "principles", "negated",
          "constitution_version_id", "job_id", "prompt__text")


def records(dataset: Dataset, user) -> Iterator[tuple[dict | None, str]]:
    """One (record, outcome) per matching pair, in id order, read in chunks."""
    qs = PairFilter.from_query(dataset.filter).apply(visible_pairs(user) if user else PreferencePair.objects.all())
    for row in qs.order_by("id").values(*FIELDS).iterator(chunk_size=CHUNK):
        prompt = row.pop("prompt__text")
        yield preference_record(row, prompt, dataset.keep_ties) if dataset.kind == "preference" else sft_record(row, prompt)


def write(dataset: Dataset, user, on_progress=lambda n: None) -> Dataset:
    """Stream the records to a partial file, hashing their canonical JSONL lines as it goes;
    rename when complete, so a crash never leaves a file that looks finished. Re-running
    rewrites it from the start."""
    target = dataset_path(dataset)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, counts = hashlib.sha256(), Counter()

    def written() -> Iterator[tuple[dict, bytes]]:
        for n, (record, outcome) in enumerate(records(dataset, user), start=1):
            counts[outcome] += 1
            if record is not None:
                line = (_canonical_json(record) + "\n").encode()
                digest.update(line)
                yield record, line
            if n % CHUNK == 0:
                on_progress(n)

    WRITERS[dataset.format](written(), partial, dataset.kind)
    os.replace(partial, target)
    Dataset.objects.filter(pk=dataset.pk).update(rows=counts["written"], counts=dict(counts), sha256=digest.hexdigest(),
                                                 size_bytes=target.stat().st_size)
    dataset.refresh_from_db()
    return dataset


# Writers take (record, canonical JSONL line) pairs: the line is encoded once, for the hash
# and, in JSONL, for the file.
def _write_jsonl(rows: Iterator[tuple[dict, bytes]], path: Path, kind: str) -> None:
    # A large buffer: one write call per MiB rather than per 8 KiB (system calls cost here).
    with path.open("wb", buffering=1 << 20) as out:
        for _, line in rows:
            out.write(line)
        out.flush()
        os.fsync(out.fileno())


def _schema(kind: str):
    import pyarrow as pa

    turn = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    lineage = [("pair_id", pa.int64()), ("constitution_version", pa.int64()), ("run", pa.int64())]
    if kind == "sft":
        return pa.schema([("prompt", turn), ("completion", turn), *lineage])
    return pa.schema([("prompt", turn), ("chosen", turn), ("rejected", turn), ("tie", pa.bool_()),
                      ("soft_label", pa.float64()), ("margin", pa.float64()), ("human_verdict", pa.string()),
                      ("method", pa.string()), ("principles", pa.list_(pa.string())),
                      ("negated", pa.list_(pa.string())), *lineage])


def _write_parquet(rows: Iterator[tuple[dict, bytes]], path: Path, kind: str) -> None:
    """Row groups of CHUNK records: memory holds one chunk at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(kind)
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict] = []
        for record, _ in rows:
            batch.append(record)
            if len(batch) == CHUNK:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _write_hf(rows: Iterator[tuple[dict, bytes]], path: Path, kind: str) -> None:
    """A `datasets` folder (save_to_disk), built from a Parquet file and shipped as a tar."""
    import tarfile
    import tempfile

    import datasets

    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        parquet = Path(tmp) / "records.parquet"
        _write_parquet(rows, parquet, kind)
        folder = Path(tmp) / path.name.removesuffix(".tar.partial")
        if pq_rows(parquet):  # memory-mapped from the Parquet file, chunk by chunk
            loaded = datasets.Dataset.from_parquet(str(parquet), cache_dir=str(Path(tmp) / "cache"))
        else:  # from_parquet refuses a file with no rows
            loaded = datasets.Dataset(_schema(kind).empty_table())
        loaded.save_to_disk(str(folder))
        del loaded
        with tarfile.open(path, "w") as tar:
            tar.add(folder, arcname=folder.name)


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


WRITERS = {"jsonl": _write_jsonl, "parquet": _write_parquet, "hf": _write_hf}
