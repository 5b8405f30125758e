"""`make run`: prepare everything, then supervise Redis, a Celery worker and the web server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from webapp.core.embedded import start_embedded_redis, stop_embedded_redis
from webapp.core.services import ensure_admin


def worker_command(queues: str = "default", beat: bool = True) -> list[str]:
    cmd = [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues,
           "--pool", "threads", "--concurrency", os.environ.get("CHARTER_WORKER_CONCURRENCY", "2"),
           "--loglevel", "INFO"]
    if beat:
        cmd += ["--beat", "--schedule", str(settings.DATA_DIR / "celerybeat-schedule")]
    return cmd


def web_command(bind: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "webapp.wsgi:application", "--bind", bind,
            "--workers", os.environ.get("CHARTER_WEB_WORKERS", "2"), "--access-logfile", "-"]


class Command(BaseCommand):
    help = "Set up and start Charter on this machine (embedded Redis, a worker, the web server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CHARTER_BIND", "127.0.0.1:8000"))
        parser.add_argument("--skip-model", action="store_true", help="do not prepare the default model")

    def handle(self, *args, bind, skip_model, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0)
        call_command("load_prompt_sets")
        call_command("load_constitutions")
        if not skip_model:
            from alignment.model_folders import prepare_default_model

            self.stdout.write("preparing the default model (first run converts the packaged GGUF, ~1 min)...")
            self.stdout.write(f"default model: {prepare_default_model(settings.MODELS_DIR)}")
        username, password = ensure_admin()
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        redis = None  # keep a reference: the server lives as long as this object
        if not os.environ.get("REDIS_URL"):
            redis = start_embedded_redis(settings.DATA_DIR)
            env["REDIS_URL"] = settings.REDIS_URL
            self.stdout.write(f"embedded redis on {redis.socket_file}")
        procs = {
            "worker": subprocess.Popen(worker_command(), env=env),
            "web": subprocess.Popen(web_command(bind), env=env),
        }
        self.stdout.write(self.style.SUCCESS(
            f"\nCharter is running at http://{bind}/\nlog in as {username} / {password}\nCtrl-C stops everything.\n"
        ))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                time.sleep(0.5)
                for name, proc in list(procs.items()):
                    if proc.poll() is not None and not stopping:
                        # A crashed worker or web server is restarted; its running jobs are
                        # re-queued by the reaper once their heartbeat goes stale.
                        self.stderr.write(f"{name} exited with {proc.returncode}; restarting")
                        procs[name] = subprocess.Popen(worker_command() if name == "worker" else web_command(bind), env=env)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.time() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            if redis is not None:
                stop_embedded_redis(redis)
            self.stdout.write("stopped.")
