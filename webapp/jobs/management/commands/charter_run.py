"""`make run`: prepare everything, then supervise Redis, the web server, a worker and the
scheduler (webapp/jobs/supervisor.py). The URL and the login are printed last."""

from __future__ import annotations

import os
import signal
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from webapp.core.embedded import start_embedded_redis, stop_embedded_redis
from webapp.core.services import ensure_admin
from webapp.jobs.supervisor import Child, Supervisor, worker_name


def worker_command(queues: str = "default") -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues,
            "--pool", "threads", "--concurrency", os.environ.get("CHARTER_WORKER_CONCURRENCY", "2"),
            "--loglevel", "INFO"]


def beat_command() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "workers.app", "beat", "--loglevel", "INFO",
            "--schedule", str(settings.DATA_DIR / "celerybeat-schedule")]


def web_command(bind: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "webapp.wsgi:application", "--bind", bind,
            "--workers", os.environ.get("CHARTER_WEB_WORKERS", "2"), "--access-logfile", "-",
            "--forwarded-allow-ips", settings.PROXY_IPS]


class Command(BaseCommand):
    help = "Set up and start Charter on this machine (embedded Redis, a worker, the web server)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CHARTER_BIND", "127.0.0.1:8000"))
        parser.add_argument("--skip-model", action="store_true", help="do not prepare the default model")

    def handle(self, *args, bind, skip_model, **options):
        # Everything this command and its children write (the database, the Redis socket, the
        # admin password, sessions) is readable by this user only.
        os.umask(0o077)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        settings.DATA_DIR.chmod(0o700)
        for path in settings.DATA_DIR.glob("*.sqlite3*"):  # made before this rule, or by another command
            path.chmod(0o600)
        call_command("migrate", verbosity=0)
        call_command("load_prompt_sets", verbosity=0)
        call_command("load_constitutions", verbosity=0)
        call_command("load_human_sets", verbosity=0)
        if not skip_model:
            from alignment.model_folders import prepare_default_model

            self.stdout.write("preparing the default model (the first run converts the packaged GGUF, ~1 min)...")
            self.stdout.write(f"default model: {prepare_default_model(settings.MODELS_DIR)}")
        username, password = ensure_admin()
        env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
        redis = None  # keep a reference: the server lives as long as this object
        if not os.environ.get("REDIS_URL"):
            redis = start_embedded_redis(settings.DATA_DIR)
            env["REDIS_URL"] = settings.REDIS_URL
        supervisor = Supervisor(env, lambda line: self.stderr.write(line))
        supervisor.add(Child("web server", lambda: web_command(bind)))
        supervisor.add(Child("worker", worker_command, on_exit=_release_jobs))
        supervisor.add(Child("scheduler", beat_command))
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        time.sleep(2)  # let the servers print their banners before the login
        self.stdout.write(self.style.SUCCESS(
            f"\nCharter is running at http://{bind}/\n"
            f"log in as {username} / {password}\n"
            f"(the password is also in {settings.DATA_DIR / 'admin-password.txt'}; Ctrl-C stops everything)\n"))
        try:
            while not stopping:
                time.sleep(0.5)
                if redis is not None and not _alive(redis.pid):
                    self.stderr.write("embedded redis exited; restarting")
                    redis = start_embedded_redis(settings.DATA_DIR)
                supervisor.check()
        finally:
            supervisor.stop()
            if redis is not None:
                stop_embedded_redis(redis)
            self.stdout.write("stopped.")


def _release_jobs(proc) -> None:
    """The worker died: its running jobs are queued again now, not once their heartbeat is stale."""
    from webapp.jobs.engine import release_worker

    release_worker(worker_name(proc.pid))


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
