"""Shared set-up for benchmarks: a throwaway data dir, Django, Redis and a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(name: str) -> None:
    data = ROOT / "var" / f"bench-{name}"
    data.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("CHARTER_DATA_DIR", str(data))
    os.environ.setdefault("CHARTER_MODELS_DIR", str(ROOT / "var" / "models"))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    global _redis
    if not os.environ.get("REDIS_URL"):
        from webapp.core.embedded import socket_url, start_embedded_redis

        _redis = start_embedded_redis(data)
        os.environ["REDIS_URL"] = socket_url(data)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def start_worker(log_path: Path, queues: str = "default", env: dict | None = None) -> subprocess.Popen:
    from webapp.jobs.management.commands.charter_run import worker_command

    log = open(log_path, "w")
    proc = subprocess.Popen(worker_command(queues), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    deadline = time.time() + 60
    while " ready." not in log_path.read_text():
        if time.time() > deadline or proc.poll() is not None:
            raise RuntimeError(log_path.read_text()[-2000:])
        time.sleep(0.2)
    return proc


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def table(headers: list[str], rows: list[list]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda r: "| " + " | ".join(str(x).ljust(w) for x, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
