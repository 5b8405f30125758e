"""Shared fixtures: users per role, a small prompt set, a real Celery worker process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def make_user(db):
    from webapp.accounts.services import create_user

    def make(role: str, username: str | None = None):
        user, _ = create_user(username or f"{role}-user", role, "pw-for-tests-123")
        return user

    return make


@pytest.fixture
def client_as(client, make_user):
    def login(role: str):
        client.force_login(make_user(role))
        return client

    return login


@pytest.fixture
def small_set(db):
    from webapp.prompts.models import Prompt, PromptSet

    prompt_set = PromptSet.objects.create(name="tiny", description="three prompts")
    for i, text in enumerate(["Say hello.", "Name a fruit.", "What is 2 + 2?", "Name a colour."]):
        Prompt.objects.create(prompt_set=prompt_set, key=f"p{i}", text=text, category="test")
    return prompt_set


@pytest.fixture
def long_set(db):
    """Prompts that ask for long answers: sampling them runs long enough to be cancelled mid-way."""
    from webapp.prompts.models import Prompt, PromptSet

    prompt_set = PromptSet.objects.create(name="long", description="twelve requests for long stories")
    Prompt.objects.bulk_create([
        Prompt(prompt_set=prompt_set, key=f"l{i:02d}", category="test",
               text=f"Write a long, detailed story of at least {300 + 20 * i} words about a lighthouse keeper.")
        for i in range(12)])
    return prompt_set


def database_url() -> str:
    """The URL of the test database pytest-django created, for processes we start."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def compose_command(service: str) -> list[str]:
    """The command docker-compose.yml runs for a service: tests start exactly that."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    # ${VAR:-default}, as docker compose substitutes it
    command = [re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m.group(1), m.group(2)), part)
               for part in compose["services"][service]["command"]]
    if command[0] == "python":  # the image's python is this virtualenv's
        command[0] = sys.executable
    return command


class WorkerProcess:
    def __init__(self, queues: str = "default,gpu", beat: bool = True, env: dict | None = None) -> None:
        cmd = compose_command("worker")
        cmd[cmd.index("-Q") + 1] = queues
        cmd += ["--hostname", f"test-{time.monotonic_ns()}@%h"]
        if beat:
            data_dir = Path(os.environ["CHARTER_DATA_DIR"])
            cmd += ["--beat", "--schedule", str(data_dir / f"beat-{time.monotonic_ns()}")]
        env = dict(os.environ, DATABASE_URL=database_url(), **(env or {}))  # env: e.g. another machine's folders
        self.log_path = Path(os.environ["CHARTER_DATA_DIR"]) / f"worker-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if " ready." in self.log_path.read_text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"worker did not start:\n{self.log_path.read_text()[-3000:]}")

    def kill9(self) -> None:
        """SIGKILL the whole worker process group, as an OOM killer or a power cut would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def start_worker(transactional_db):
    from workers.app import app

    app.control.purge()  # messages left by earlier tests point at rows that no longer exist
    workers: list[WorkerProcess] = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(**kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def worker(start_worker):
    return start_worker()


def race(fn, args_list: list[tuple]) -> list:
    """Run fn once per args tuple, in threads released at the same instant; their results
    (an exception a thread raised stands in its place, so the caller's assertion shows it)."""
    import threading

    from django.db import connection

    barrier, results = threading.Barrier(len(args_list)), []

    def run(*args):
        barrier.wait()
        try:
            results.append(fn(*args))
        except Exception as exc:  # noqa: BLE001 - reported to the test through the results
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def wait_for(predicate, timeout: float = 120, interval: float = 0.25, message: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def loaded_addresses(html: str) -> list[str]:
    """Every address a page loads or links to (src and href attributes). Tests check these for other
    hosts rather than the page's text, which holds random tokens (a CSRF token may spell "cdn")."""
    return re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', html)


def served_here(address: str) -> bool:
    return address.startswith(("/", "#", "?")) and not address.startswith("//")


def job_status(job_id: int) -> str:
    from webapp.jobs.models import Job

    return Job.objects.values_list("status", flat=True).get(pk=job_id)


# Preference pairs as a feedback run stores them, made directly so each test controls their values.
REVIEW_PRINCIPLES = """\
name: Review rules
principles:
  - key: helpful
    kind: comparison
    title: Helpful
    text: Prefer the more **helpful** answer.
    comparison: Which response is more helpful?
  - key: honest
    kind: comparison
    title: Honest
    text: Prefer the more honest answer.
    comparison: Which response is more honest?
"""


@pytest.fixture
def pair_run(make_user):
    from alignment.constitution import from_yaml
    from webapp.constitutions import services as constitutions
    from webapp.jobs.models import Job
    from webapp.prompts.models import PromptSet

    version = constitutions.create(make_user("editor", "author"), from_yaml(REVIEW_PRINCIPLES)).head
    job = Job.objects.create(kind="feedback", status="succeeded", constitution_version=version,
                             config={"policy_model": "smollm2-135m-instruct", "judge_model": "smollm2-135m-instruct"})
    return {"job": job, "version": version, "set": PromptSet.objects.create(name="review prompts")}


@pytest.fixture
def make_pair(pair_run):
    from webapp.feedback.models import PreferencePair
    from webapp.prompts.models import Prompt

    counter = {"n": 0}

    def make(margin=0.5, tie=False, principle="helpful", method="rl_cai", chosen="Chosen answer.",
             rejected="Rejected answer.", prompt="A prompt?", disagreement=False, job=None):
        counter["n"] += 1
        n = counter["n"]
        p = Prompt.objects.create(prompt_set=pair_run["set"], key=f"k{n}", text=prompt)
        return PreferencePair.objects.create(
            job=job or pair_run["job"], prompt=p, key=f"pair{n}", method=method, constitution_version=pair_run["version"],
            chosen=chosen, rejected=rejected, soft_label=0.5 + margin / 2, margin=margin, tie=tie,
            principles=[principle], length_diff=len(chosen) - len(rejected), order_disagreement=disagreement)

    return make


@pytest.fixture
def dataset(make_pair, make_user):
    """A ready preference dataset of 8 pairs, exported the way users export one."""
    from webapp.datasets.export import launch_export, write

    def make(kind="preference", name=None):
        for i in range(8):
            make_pair(margin=0.6, prompt=f"Name a colour ({i}).", chosen="Blue, like the sky.", rejected="No.",
                      method="sl_cai" if kind == "sft" else "rl_cai")
        operator = make_user("operator", f"exporter-{uuid.uuid4().hex[:6]}")
        return write(launch_export(operator, name or f"set-{uuid.uuid4().hex[:6]}", {}, kind=kind), operator)

    return make


@pytest.fixture
def rubric(make_user):
    """A constitution version with the Self-Rewarding additive rubric."""
    from alignment.constitution import from_yaml
    from webapp.constitutions import services as constitutions

    doc = from_yaml((Path(__file__).resolve().parents[1] / "principles" / "self-rewarding-rubric.yaml").read_bytes())
    return constitutions.create(make_user("editor", "rubric-author"), doc).head


@pytest.fixture
def model_name():
    """A unique model name; its folder in the shared models directory is removed afterwards."""
    names = []

    def make(prefix="test"):
        names.append(f"{prefix}-{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield make
    from django.conf import settings

    for name in names:
        shutil.rmtree(Path(settings.MODELS_DIR) / name, ignore_errors=True)
