"""How fast `make run` recovers from a dead process: a fresh `charter_run` on SQLite with its
embedded Redis, then, --runs times each: kill -9 the worker in the middle of a sampling job (seconds
until the job runs again), kill -9 the embedded Redis (until it answers again) and kill -9 the
scheduler (until a new one runs). Prints a table of medians.

    .venv/bin/python bench/recovery.py --runs 3
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._harness import table  # noqa: E402


def wait(predicate, timeout: float):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="charter-recovery-"))
    os.environ.update(CHARTER_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="webapp.settings",
                      CHARTER_MODELS_DIR=os.environ.get("CHARTER_MODELS_DIR", str(ROOT / "var" / "models")))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "manage.py", "charter_run", "--bind", f"127.0.0.1:{port}"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        wait(lambda: "log in as" in proc.stdout.readline(), 300)
        import django

        django.setup()
        import psutil
        import redis

        from webapp.accounts.services import create_user
        from webapp.jobs.models import Job
        from webapp.prompts.models import PromptSet
        from webapp.prompts.services import launch_sampling

        parent = psutil.Process(proc.pid)

        def named(word: str):
            found = []
            for p in parent.children(recursive=True):
                try:
                    if word in " ".join(p.cmdline()):
                        found.append(p)
                except psutil.Error:
                    pass
            return found

        user, _ = create_user("recovery", "operator")
        results: dict[str, list[float]] = {"worker (job running again)": [], "embedded Redis": [], "scheduler": []}
        for _ in range(args.runs):  # the lambdas below run inside their iteration
            job = launch_sampling(user, PromptSet.objects.get(name="Benign instructions"),
                                  {"n": 1, "max_new_tokens": 64, "batch_size": 1}, limit=30)
            wait(lambda: Job.objects.filter(pk=job.pk, status="running", progress_done__gte=1).exists(), 300)  # noqa: B023
            running = Job.objects.get(pk=job.pk)
            os.kill(int(running.worker.rsplit(":", 1)[1]), signal.SIGKILL)
            began = time.perf_counter()
            wait(lambda: Job.objects.filter(pk=job.pk, status="running", attempts=running.attempts + 1).exists(), 120)  # noqa: B023
            results["worker (job running again)"].append(time.perf_counter() - began)
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)

            client = redis.Redis(unix_socket_path=str(data / "redis.sock"))
            first = client.info()["process_id"]
            os.kill(first, signal.SIGKILL)
            began = time.perf_counter()

            def back(client=client, first=first) -> bool:
                try:
                    return client.info()["process_id"] != first
                except redis.ConnectionError:
                    return False

            wait(back, 60)
            results["embedded Redis"].append(time.perf_counter() - began)

            beat = wait(lambda: named(" beat"), 60)[0]
            beat.kill()
            began = time.perf_counter()
            wait(lambda: [b for b in named(" beat") if b.pid != beat.pid], 60)  # noqa: B023
            results["scheduler"].append(time.perf_counter() - began)
            wait(lambda: Job.objects.get(pk=job.pk).status == "cancelled", 120)  # noqa: B023
        rows = [[name, len(v), f"{statistics.median(v):.1f}", f"{min(v):.1f}", f"{max(v):.1f}"] for name, v in results.items()]
        print(table(["killed (kill -9)", "runs", "median s", "min s", "max s"], rows))
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
