"""Pair ingest: Charter's bulk path (COPY on PostgreSQL, executemany on SQLite) vs Django's
bulk_create vs one INSERT per pair, on the database DATABASE_URL names (SQLite by default).

Run: .venv/bin/python bench/ingest.py [--pairs 200000]
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench .venv/bin/python bench/ingest.py
"""

from __future__ import annotations

import argparse

from _harness import setup_django, table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=200_000, help="pairs for the bulk paths")
    parser.add_argument("--naive", type=int, default=2_000, help="pairs for the row-by-row path")
    args = parser.parse_args()
    setup_django("ingest")
    from django.db import connection

    from webapp.accounts.services import create_user
    from webapp.feedback.ingest import insert_pairs
    from webapp.pairs.seeding import make_pairs, orm_bulk_create, row_by_row, seed_context, timed

    user, _ = create_user("bench-admin", "admin")
    version, job, prompts = seed_context(user)
    runs = [("one INSERT + commit per pair (naive)", row_by_row, args.naive),
            ("Django bulk_create, 5000 per batch", orm_bulk_create, args.pairs),
            ("Charter: prepared rows, COPY / executemany", insert_pairs, args.pairs)]
    rows, rates, start = [], {}, 0
    for name, fn, count in runs:
        pairs = list(make_pairs(version, job, prompts, count, start=start, seed=start))  # generated outside the timing
        start += count
        n, seconds = timed(fn, iter(pairs))
        rates[name] = n / seconds
        rows.append([name, n, f"{seconds:.1f}", f"{n / seconds:,.0f}"])
    naive = rates[runs[0][0]]
    for row, (name, _, _) in zip(rows, runs):
        row.append(f"{rates[name] / naive:.1f}x")
    print(f"database: {connection.vendor}")
    print(table(["insert path", "pairs", "seconds", "pairs/s", "vs naive"], rows))


if __name__ == "__main__":
    main()
