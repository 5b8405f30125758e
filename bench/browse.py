"""Pairs list at scale: keyset pages vs offset pages (the naive way: OFFSET plus a whole-table
count, as Django's Paginator does), first page and a deep page, with and without filters.

Seeds --pairs synthetic pairs once (reused by later runs on the same database), then times
each page --repeat times. "server" is the whole request through Django (view, queries,
template) for the keyset list; "query" is the page's database work alone, for both ways.

Run: .venv/bin/python bench/browse.py [--pairs 1000000]
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench .venv/bin/python bench/browse.py
"""

from __future__ import annotations

import argparse
import statistics
import time

from _harness import percentile, setup_django, table

CASES = {"no filter": {}, "filtered": {"method": "salmon", "margin_min": "0.2", "sort": "margin"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_django("browse")
    from django.db import connection
    from django.test import Client

    from webapp.accounts.services import create_user
    from webapp.feedback.ingest import insert_pairs
    from webapp.feedback.models import PreferencePair
    from webapp.pairs.selectors import PAGE, PairFilter, _ordered, _snippets, encode_cursor, pair_page

    user, _ = create_user("bench-admin", "admin")
    have = PreferencePair.objects.count()
    if have < args.pairs:
        from webapp.pairs.seeding import make_pairs, seed_context, timed

        version, job, prompts = seed_context(user)
        n, seconds = timed(insert_pairs, make_pairs(version, job, prompts, args.pairs - have, start=have, seed=have))
        print(f"seeded {n} pairs in {seconds:.0f} s")
    total = PreferencePair.objects.count()
    client = Client()
    client.force_login(user)

    def timed_ms(fn) -> list[float]:
        fn()  # warm
        out = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            fn()
            out.append((time.perf_counter() - started) * 1000)
        return out

    rows = []
    for case, query in CASES.items():
        f = PairFilter.from_query(query)
        qs = _ordered(_snippets(f.apply(PreferencePair.objects.all())), f.sort)
        matching = qs.count()  # once, outside the timing, to place the deep page
        deep_offset = max(0, matching - 2 * PAGE)
        deep_cursor = encode_cursor(qs[deep_offset - 1], f.sort) if deep_offset else ""
        for depth, offset, cursor in (("first", 0, ""), ("deep", deep_offset, deep_cursor)):
            params = dict(query, **({"after": cursor} if cursor else {}))
            # The lambdas run at once, inside this iteration: binding the loop's values is fine.
            server = timed_ms(lambda: client.get("/pairs/", params))  # noqa: B023
            keyset = timed_ms(lambda: pair_page(PreferencePair.objects.all(), f, cursor))  # noqa: B023
            naive = timed_ms(lambda: (f.apply(PreferencePair.objects.all()).count(),  # noqa: B023
                                      list(qs[offset:offset + PAGE])))  # noqa: B023
            ratio = statistics.median(naive) / statistics.median(keyset)
            rows.append([case, f"{depth} (row {offset:,})", f"{statistics.median(server):.1f}", f"{percentile(server, 95):.1f}",
                         f"{statistics.median(keyset):.1f}", f"{percentile(keyset, 95):.1f}",
                         f"{statistics.median(naive):.1f}", f"{percentile(naive, 95):.1f}", f"{ratio:.0f}x"])
    print(f"database: {connection.vendor}, {total:,} pairs, {args.repeat} requests per cell, times in ms")
    print(table(["filter", "page", "server p50", "server p95", "keyset query p50", "keyset query p95",
                 "offset+count p50", "offset+count p95", "offset / keyset"], rows))


if __name__ == "__main__":
    main()
