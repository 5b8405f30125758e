"""Job engine and sampling benchmarks.

1. Launch -> running latency of the job engine over 200 jobs (a real worker, real Redis).
2. Sampling throughput with the default model: batched vs one prompt at a time.

Run: make bench   (or .venv/bin/python bench/jobs.py --jobs 200 --prompts 16)
"""

from __future__ import annotations

import argparse
import statistics
import time

from _harness import ROOT, percentile, setup_django, start_worker, table


def launch_latency(count: int) -> list[float]:
    from django.contrib.auth import get_user_model

    from webapp.jobs import services
    from webapp.jobs.models import Job

    user, _ = get_user_model().objects.get_or_create(username="bench")
    worker = start_worker(ROOT / "var" / "bench-jobs" / "worker.log")
    latencies = []
    try:
        for _ in range(count):
            job = services.launch("check", {}, user)
            while True:
                job.refresh_from_db(fields=["status", "started_at", "created_at", "error"])
                if job.status in ("succeeded", "failed"):
                    break
                time.sleep(0.005)
            if job.status != "succeeded":
                raise RuntimeError(job.error)
            latencies.append((job.started_at - job.created_at).total_seconds() * 1000)
    finally:
        worker.terminate()
        worker.wait()
        Job.objects.filter(created_by=user).delete()
    return latencies


def sampling_throughput(prompts: int, n: int, max_new_tokens: int, batch_size: int) -> list[list]:
    import json

    from alignment.generation import TransformersBackend
    from alignment.model_folders import resolve_model
    from alignment.records import PromptRecord
    from alignment.sampling import SampleConfig, sample

    lines = (ROOT / "data" / "prompt_sets" / "benign-instructions.jsonl").read_text().splitlines()[:prompts]
    records = [PromptRecord(o["key"], o["prompt"]) for o in map(json.loads, lines)]
    backend = TransformersBackend(resolve_model("smollm2-135m-instruct"))
    list(sample(backend, records[:2], SampleConfig(n=1, max_new_tokens=4, batch_size=2)))  # warm-up
    rows, rates = [], {}
    for label, bs in (("one prompt at a time", 1), (f"batched ({batch_size} prompts)", batch_size)):
        config = SampleConfig(n=n, max_new_tokens=max_new_tokens, batch_size=bs, seed=1)
        start = time.perf_counter()
        out = [r for batch in sample(backend, records, config) for r in batch]
        elapsed = time.perf_counter() - start
        tokens = sum(r["completion_tokens"] for r in out)
        rates[bs] = len(out) / elapsed
        rows.append([label, len(out), f"{elapsed:.1f}", f"{rates[bs]:.2f}", f"{tokens / elapsed:.0f}"])
    rows.append(["ratio batched / one at a time", "", "", f"{rates[batch_size] / rates[1]:.1f}x", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args()
    setup_django("jobs")
    from django.db import connection

    lat = launch_latency(args.jobs)
    print(f"\nJob launch -> running ({args.jobs} jobs, {connection.vendor}, one worker):\n")
    print(table(["p50 ms", "p95 ms", "mean ms", "max ms"],
                [[f"{percentile(lat, 50):.1f}", f"{percentile(lat, 95):.1f}", f"{statistics.mean(lat):.1f}", f"{max(lat):.1f}"]]))
    print(f"\nSampling, default model, {args.prompts} prompts x N={args.n}, {args.max_new_tokens} new tokens, CPU 1 thread:\n")
    print(table(["mode", "responses", "seconds", "responses/s", "tokens/s"],
                sampling_throughput(args.prompts, args.n, args.max_new_tokens, args.batch_size)))


if __name__ == "__main__":
    main()
