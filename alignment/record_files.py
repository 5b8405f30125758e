"""Record files: reading any dataset file (JSONL, Parquet, a `datasets` folder or its tar) and
writing records as one, hashing their canonical lines (alignment/records.py) as they go. Parquet
is read a batch at a time with its decoded size bounded; nothing here unpickles anything."""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from alignment.errors import UserError
from alignment.records import canonical_line, read_jsonl

FORMATS = {"jsonl": ".jsonl", "parquet": ".parquet", "hf": ".tar"}
PARQUET_BATCH = 2000


def read_records(path: str | Path) -> list[dict]:
    """Every record of a dataset file: JSONL, Parquet, or a `datasets` folder (a directory, or
    the .tar Charter exports)."""
    source = Path(path)
    if not str(path) or not source.exists():
        raise UserError(f"dataset {str(path)!r} does not exist")
    try:
        if source.is_dir():
            return _from_datasets_folder(source)
        if source.suffix == ".jsonl":
            return [obj for _, obj in read_jsonl(source)]
        if source.suffix == ".parquet":
            return [obj for _, obj in parquet_objects(source, source.name)]
        if source.suffix == ".tar":
            with tempfile.TemporaryDirectory() as tmp, tarfile.open(source) as tar:
                tar.extractall(tmp, filter="data")  # refuses absolute paths, "..", links out of tmp
                folders = [p.parent for p in Path(tmp).rglob("dataset_info.json")]
                if len(folders) != 1:
                    raise UserError(f"{source.name} does not hold one datasets folder")
                return _from_datasets_folder(folders[0])
    except (OSError, ValueError, tarfile.TarError) as exc:
        raise UserError(f"cannot read dataset {source.name}: {exc}") from exc
    raise UserError(f"dataset {source.name}: expected .jsonl, .parquet, .tar or a datasets folder")


def _from_datasets_folder(folder: Path) -> list[dict]:
    from datasets import load_from_disk

    return load_from_disk(str(folder)).to_list()


def parquet_objects(source: Path | IO[bytes], name: str, max_bytes: int | None = None,
                    max_rows: int | None = None) -> Iterator[tuple[str, dict]]:
    """(where, object) per row, a batch at a time; `where` is "NAME row N". With the limits, the
    row count comes from the file's metadata and each batch's decoded size is measured before it
    becomes Python objects: text columns are read dictionary-encoded, so a file of a kilobyte
    whose rows all point at one long dictionary value (gigabytes once decoded) is refused while
    it still costs kilobytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(source)
        if max_rows is not None and meta.metadata.num_rows > max_rows:
            raise UserError(f"{name}: {meta.metadata.num_rows} rows; the limit is {max_rows}")
        text_columns = [column.path for column in meta.schema if column.physical_type == "BYTE_ARRAY"]
        rows = pq.ParquetFile(source, read_dictionary=text_columns) if max_bytes is not None else meta
        number, decoded = 0, 0
        for batch in rows.iter_batches(batch_size=PARQUET_BATCH):
            if max_bytes is not None:
                decoded += sum(_decoded_bytes(column) for column in batch.columns)
                if decoded > max_bytes:
                    raise UserError(f"{name}: its rows decode to more than {max_bytes} bytes (the limit)")
            for obj in batch.to_pylist():
                number += 1
                yield f"{name} row {number}", obj
    except (pa.ArrowException, OSError) as exc:
        raise UserError(f"{name}: not a readable Parquet file ({str(exc)[:200]})") from None


def _decoded_bytes(array) -> int:
    """The bytes an Arrow array holds once every dictionary value is spelled out, computed from
    the indices (nothing is decoded)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = array.type
    if isinstance(array, pa.ChunkedArray):
        return sum(_decoded_bytes(chunk) for chunk in array.chunks)
    if pa.types.is_dictionary(kind):
        lengths = pc.binary_length(array.dictionary) if _is_text(kind.value_type) else None
        if lengths is None:
            return int(array.nbytes)
        return int(pc.sum(pc.take(lengths, array.indices)).as_py() or 0)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _decoded_bytes(array.flatten()) + len(array) * 8
    if pa.types.is_struct(kind):
        return sum(_decoded_bytes(array.field(i)) for i in range(kind.num_fields))
    if _is_text(kind):
        return int(pc.sum(pc.binary_length(array)).as_py() or 0) + len(array) * 8
    return int(array.nbytes)


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
        or pa.types.is_large_binary(kind)


def parquet_schema(kind: str):
    import pyarrow as pa

    turn = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    lineage = [("pair_id", pa.int64()), ("constitution_version", pa.int64()), ("run", pa.int64())]
    if kind == "sft":  # round: SL-CAI's revision step (0: not a revision); mix: harmless or helpful
        return pa.schema([("prompt", turn), ("completion", turn), ("round", pa.int64()), ("mix", pa.string()),
                          *lineage])
    if kind == "unpaired":
        return pa.schema([("prompt", turn), ("completion", turn), ("label", pa.bool_()), ("why", pa.string()),
                          *lineage])
    return pa.schema([("prompt", turn), ("chosen", turn), ("rejected", turn), ("tie", pa.bool_()),
                      ("soft_label", pa.float64()), ("margin", pa.float64()), ("human_verdict", pa.string()),
                      ("method", pa.string()), ("principles", pa.list_(pa.string())),
                      ("negated", pa.list_(pa.string())), *lineage])


Lines = Iterator[tuple[dict, bytes]]


def write_dataset(records: Iterable[dict], path: Path, format: str, kind: str,
                  on_record: Callable[[], None] = lambda: None) -> tuple[str, int]:
    """Stream records to `path` in a format, hashing their canonical lines as they go; returns
    (sha256, rows). Each record is encoded once, for the hash and (in JSONL) for the file."""
    digest, count = hashlib.sha256(), [0]

    def lines() -> Lines:
        for record in records:
            line = canonical_line(record)
            digest.update(line)
            count[0] += 1
            on_record()
            yield record, line

    WRITERS[format](lines(), path, kind)
    return digest.hexdigest(), count[0]


def _write_jsonl_lines(rows: Lines, path: Path, kind: str) -> None:
    # A large buffer: one write call per MiB rather than per 8 KiB (system calls cost here).
    with path.open("wb", buffering=1 << 20) as out:
        for _, line in rows:
            out.write(line)
        out.flush()
        os.fsync(out.fileno())


def _write_parquet(rows: Lines, path: Path, kind: str) -> None:
    """Row groups of PARQUET_BATCH records: memory holds one group at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(kind)
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict] = []
        for record, _ in rows:
            batch.append(record)
            if len(batch) == PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _write_hf(rows: Lines, path: Path, kind: str) -> None:
    """A `datasets` folder (save_to_disk), built from a Parquet file and shipped as a tar."""
    import datasets
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        parquet = Path(tmp) / "records.parquet"
        _write_parquet(rows, parquet, kind)
        folder = Path(tmp) / path.name.split(".")[0]
        if pq.ParquetFile(parquet).metadata.num_rows:  # memory-mapped from the Parquet file
            loaded = datasets.Dataset.from_parquet(str(parquet), cache_dir=str(Path(tmp) / "cache"))
        else:  # from_parquet refuses a file with no rows
            loaded = datasets.Dataset(parquet_schema(kind).empty_table())
        loaded.save_to_disk(str(folder))
        del loaded
        with tarfile.open(path, "w") as tar:
            tar.add(folder, arcname=folder.name)


WRITERS: dict[str, Callable[[Lines, Path, str], None]] = {
    "jsonl": _write_jsonl_lines, "parquet": _write_parquet, "hf": _write_hf}
