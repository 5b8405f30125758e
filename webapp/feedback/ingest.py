"""Fast bulk insert of preference pairs, for imports and seeding at scale.

Django's bulk_create spends most of its time preparing each value of each row through the
field machinery (measured: about 70% of the time for 20k pairs on SQLite). Pairs have a fixed
shape, so rows are prepared once here and sent with the driver's own bulk path: COPY on
PostgreSQL, executemany on SQLite. Each batch is one transaction.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from webapp.feedback.models import PreferencePair

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
        values["length_diff"] = len(values["chosen"]) - len(values["rejected"])
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
            cursor.executemany(f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})", rows)
    return len(rows)
