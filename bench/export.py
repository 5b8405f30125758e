"""Pair export: Charter's streaming exporter (what the `export_pairs` job calls) vs the naive
way (load every pair as a model instance, build all the lines, write them at once), on the
database DATABASE_URL names (SQLite by default).

Seeds --pairs synthetic pairs once (reused by later runs on the same database): the first
--small of them under one run, the rest under another, so a `run` filter exports the small
set and no filter exports them all. Each export runs in a fresh process, which reports its
time, its own CPU time (the database server's, on PostgreSQL, is not in it) and its peak RSS
(ru_maxrss) above its RSS before the export began, so one variant's memory never hides
another's. On a shared machine, pairs per CPU second is the steadier figure. Exports keep
ties, so every pair read is written.

Run: .venv/bin/python bench/export.py [--pairs 1000000] [--small 100000] [--no-parquet]
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench .venv/bin/python bench/export.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _harness import setup_django, table

MB = 1024  # ru_maxrss is in KiB on Linux


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def seeded_runs(total: int, small: int) -> tuple[int, int]:
    """The two seeded runs' job ids, seeding them first on an empty database."""
    from webapp.accounts.services import create_user
    from webapp.feedback.ingest import insert_pairs
    from webapp.feedback.models import PreferencePair
    from webapp.pairs.seeding import make_pairs, seed_context, timed

    have = PreferencePair.objects.count()
    if have == 0:
        user, _ = create_user("bench-admin", "admin")
        started = time.perf_counter()
        for start, count in ((0, small), (small, total - small)):
            version, job, prompts = seed_context(user)
            timed(insert_pairs, make_pairs(version, job, prompts, count, start=start, seed=start))
        print(f"seeded {total:,} pairs in {time.perf_counter() - started:.0f} s")
    jobs = list(PreferencePair.objects.order_by("job_id").values_list("job_id", flat=True).distinct())
    counts = [PreferencePair.objects.filter(job_id=j).count() for j in jobs]
    if counts != [small, total - small]:
        raise SystemExit(f"this database holds pairs in runs of {counts}, not [{small}, {total - small}]: "
                         "use a fresh one (remove var/bench-export, or recreate the PostgreSQL database)")
    return jobs[0], jobs[1]


# --- the two ways, each run in a child process -------------------------------------------

def charter(query: dict, fmt: str) -> dict:
    """Exactly what the export job does: a Dataset row, then datasets.export.write."""
    from django.contrib.auth import get_user_model

    from webapp.datasets.export import dataset_path, write
    from webapp.datasets.models import Dataset

    user = get_user_model().objects.get(username="bench-admin")
    dataset = Dataset.objects.create(name=f"bench {fmt} {time.time_ns()}", kind="preference", format=fmt,
                                     filter=query, keep_ties=True, created_by=user)
    dataset = write(dataset, user)
    dataset_path(dataset).unlink()
    return {"pairs": sum(dataset.counts.values()), "sha256": dataset.sha256, "bytes": dataset.size_bytes}


def naive(query: dict, fmt: str) -> dict:
    """The obvious ORM way: every pair as a model instance (prompt joined), every line in
    memory, one write. The records are built by the same function, so the bytes must match."""
    import hashlib

    from django.conf import settings

    from webapp.datasets.export import FIELDS, preference_record
    from webapp.feedback.models import PreferencePair
    from webapp.pairs.selectors import PairFilter

    qs = PairFilter.from_query(query).apply(PreferencePair.objects.all()).select_related("prompt").order_by("id")
    pairs = list(qs)
    lines = []
    for p in pairs:
        row = {name: getattr(p, name) for name in FIELDS if name != "prompt__text"}
        record, _ = preference_record(row, p.prompt.text, keep_ties=True)
        if record is not None:
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    data = "".join(lines).encode()
    path = settings.DATA_DIR / "naive-export.jsonl"
    path.write_bytes(data)
    path.unlink()
    return {"pairs": len(pairs), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def child(way: str, query: dict, fmt: str, profile: bool) -> None:
    import gc
    import resource

    setup_django("export")
    if fmt == "parquet":
        import pyarrow.parquet  # noqa: F401  (imported before the baseline: a library, not the work's memory)
    import webapp.datasets.export  # noqa: F401
    gc.collect()
    before = rss_kib()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(globals()[way], query, fmt)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    else:
        result = globals()[way](query, fmt)
    result["seconds"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime - cpu.ru_utime - cpu.ru_stime
    peak = usage.ru_maxrss
    result.update(before_mb=before / MB, peak_mb=peak / MB, growth_mb=(peak - before) / MB)
    print(json.dumps(result))


def measure(way: str, query: dict, fmt: str, profile: bool) -> dict:
    cmd = [sys.executable, __file__, "--child", way, "--query", json.dumps(query), "--format", fmt]
    done = subprocess.run(cmd + (["--profile"] if profile else []), capture_output=True, text=True, env=os.environ)
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=1_000_000, help="pairs seeded; Charter exports them all")
    parser.add_argument("--small", type=int, default=100_000, help="pairs of the small run, which both ways export")
    parser.add_argument("--no-parquet", action="store_true", help="skip Charter's Parquet export")
    parser.add_argument("--profile", action="store_true", help="cProfile each export (to stderr; slower)")
    parser.add_argument("--child", choices=["charter", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--query", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="jsonl", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, json.loads(args.query), args.format, args.profile)

    setup_django("export")
    from django.db import connection

    small_run, _ = seeded_runs(args.pairs, args.small)
    small = {"run": str(small_run)}
    runs = [("naive: list(queryset), json.dumps each, one write", "naive", small, "jsonl"),
            ("Charter: streamed (export job)", "charter", small, "jsonl"),
            ("Charter: streamed (export job)", "charter", {}, "jsonl")]
    if not args.no_parquet:
        runs += [("Charter: streamed (export job)", "charter", small, "parquet"),
                 ("Charter: streamed (export job)", "charter", {}, "parquet")]
    results = []
    for name, way, query, fmt in runs:
        results.append(measure(way, query, fmt, args.profile))
        print(f"  {name}, {fmt}, {results[-1]['pairs']:,} pairs: {results[-1]['seconds']:.1f} s", file=sys.stderr)
    base = results[0]["pairs"] / results[0]["seconds"]
    rows = []
    for (name, _, _, fmt), r in zip(runs, results):
        rate = r["pairs"] / r["seconds"]
        rows.append([name, fmt, f"{r['pairs']:,}", f"{r['seconds']:.1f}", f"{rate:,.0f}",
                     f"{r['pairs'] / r['cpu_seconds']:,.0f}", f"{r['before_mb']:.0f}",
                     f"{r['peak_mb']:.0f}", f"{r['growth_mb']:.0f}", f"{rate / base:.1f}x"])
    print(f"database: {connection.vendor}, {args.pairs:,} pairs seeded, ties kept (every pair read is written)")
    print(table(["export path", "format", "pairs", "seconds", "pairs/s", "pairs per CPU s", "RSS before MB",
                 "peak RSS MB", "peak growth MB", "vs naive"], rows))
    same = results[0]["sha256"] == results[1]["sha256"]
    print(f"naive and Charter wrote the same {results[0]['pairs']:,} records byte for byte: {'yes' if same else 'NO'} "
          f"(sha256 {results[1]['sha256'][:16]}...)")


if __name__ == "__main__":
    main()
