"""Runs one claimed job: heartbeat, cancel, child processes, and failure classification."""

from __future__ import annotations

import ctypes
import dataclasses
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import yaml
from django.conf import settings
from django.db import close_old_connections, connection

from alignment.config import Config
from alignment.errors import TransientError, UserError
from webapp.jobs import engine
from webapp.jobs.engine import LeaseLost
from webapp.jobs.folders import run_folder
from webapp.jobs.models import Job

if TYPE_CHECKING:
    from workers.ray_jobs import RayChild

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


class Cancelled(Exception):
    pass


class ChildCrashed(Exception):
    """The child died without saying why (signal, OOM kill, segfault): a failed attempt."""


class JobContext:
    """What a job handler sees: its job, progress/log/metric reporting, and cancellation."""

    def __init__(self, job: Job, lease) -> None:
        self.job = job
        self.lease = lease
        self.cancel_event = threading.Event()
        self.lost_event = threading.Event()
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self.child: LocalChild | RayChild | None = None
        self.tail: deque[str] = deque(maxlen=40)
        self.last_report = time.monotonic()  # the child's last event (the stall watchdog reads it)
        self.stalled = False

    # reporting -------------------------------------------------------------------------
    def log(self, line: str) -> None:
        self.tail.append(line.rstrip("\n"))
        with self._lock:
            self._lines.append(line)

    def drain_log(self) -> list[str]:
        with self._lock:
            lines, self._lines = self._lines, []
        return lines

    def progress(self, done: int, total: int | None, message: str = "") -> None:
        engine.set_progress(self.job.pk, self.lease, done, total, message)

    def metrics(self, step: int, values: dict[str, float]) -> None:
        engine.add_metrics(self.job.pk, step, values)

    def relay(self, event: dict, offset: int = 0, total: int | None = None, step_offset: int = 0) -> bool:
        """Forward a child's metric, progress or log-like event into the job; False for any
        other event. A resumed run's child counts only what is left: `offset` (what earlier
        attempts did) and `total` make its progress the whole job's; `step_offset` shifts its
        metrics' x axis the same way where the step counts work items."""
        kind = event["event"]
        if kind == "metric":
            self.metrics(step_offset + event["step"], event["values"])
        elif kind == "progress":
            done, whole = offset + event["done"], total if total is not None else event["total"]
            phase = event.get("phase")
            self.progress(done, whole, f"{phase} {done}/{whole}" if phase else event.get("message", ""))
        elif kind == "log":
            self.log(f"{event['message']}\n")
        elif kind == "checkpoint":
            self.log(f"checkpoint at step {event.get('step')}: {event.get('path')}\n")
        elif kind == "resumed":
            self.log(f"resuming from {event.get('checkpoint') or event.get('path')}\n")
        else:
            return False
        return True

    def run_kind(self, config: Config, handle: Callable[[dict], None] = lambda event: None, offset: int = 0,
                 total: int | None = None, step_offset: int = 0, launcher: list[str] | None = None) -> None:
        """Write the config into the job's run folder (beside its inputs) and run `python -m
        alignment <kind> --events` on it (after `launcher`, e.g. accelerate's, which then starts
        the processes); every event the spine does not relay goes to `handle`, the domain's
        ingest, which takes the job."""
        folder = run_folder(self.job)
        engine.verify_inputs(_input_paths(config))
        path = folder / f"{config.KIND}.yaml"
        path.write_text(yaml.safe_dump(dataclasses.asdict(config), sort_keys=False), encoding="utf-8")
        # The run's exact inputs (prompts, constitution, config), by location and hash.
        engine.add_artifact(self.job.pk, "inputs", folder, ("*.jsonl", "*.yaml"), recursive=False)

        def on_event(event: dict) -> None:
            self.check_cancel()
            if not self.relay(event, offset, total, step_offset):
                handle(event)

        command = python_module("alignment", config.KIND, "--events", "--config", str(path))
        self.run_child(launcher + command[1:] if launcher else command, on_event, config)

    def check_cancel(self) -> None:
        if self.lost_event.is_set():
            raise LeaseLost(self.job.pk)
        if self.cancel_event.is_set():
            raise Cancelled()

    # child processes -------------------------------------------------------------------
    def run_child(self, argv: list[str], on_event: Callable[[dict], None], config: Config | None = None) -> None:
        """Run a child that speaks alignment.events on stdout; its other output becomes the log.
        A job of the "ray" queue runs its child as a Ray job on the worker's cluster."""
        self.last_report, self.stalled = time.monotonic(), False
        if self.job.queue == "ray":
            from workers.ray_jobs import RayChild

            self.child = RayChild(self.job.pk, self.job.attempts, argv, str(settings.BASE_DIR), config)
            self.log(f"submitted to the Ray cluster as {self.child.id} (dashboard: {settings.RAY_ADDRESS}/#/jobs/"
                     f"{self.child.id})\n")
        else:
            self.child = LocalChild(argv, self.log)
        error: dict | None = None
        for line in self.child.lines():
            try:
                event = json.loads(line)
            except ValueError:
                self.log(line)
                continue
            if not isinstance(event, dict):
                self.log(line)
                continue
            self.last_report = time.monotonic()
            if event.get("event") == "error":
                error = event
            else:
                on_event(event)
        code = self.child.wait()
        how = self.child.how(code)
        self.child = None
        self.check_cancel()
        if code == 0:
            return
        if error and error.get("kind") == "user":
            raise UserError(error["message"])
        if error and error.get("kind") == "transient":
            raise TransientError(error["message"])
        tail = "\n".join(list(self.tail)[-20:])
        if self.stalled:
            raise ChildCrashed(f"child process reported no progress for {settings.JOB_STALL_SECONDS} s and was "
                               f"stopped (a stall); last log lines:\n{tail}")
        raise ChildCrashed(f"child process {how}; last log lines:\n{tail}")

    def watch_for_stall(self) -> None:
        """Stop a child that is alive but has reported nothing for JOB_STALL_SECONDS."""
        limit = settings.JOB_STALL_SECONDS
        if limit and self.child is not None and time.monotonic() - self.last_report > limit:
            self.stalled = True
            self.log(f"no progress reported for {limit} s: stopping the child (CHARTER_JOB_STALL_SECONDS)\n")
            self.kill_child()

    def kill_child(self) -> None:
        child = self.child
        if child is not None:
            child.kill()


class LocalChild:
    """A child process on this machine, in a session of its own: a kill ends it and whatever it
    started (every rank of a multi-process run); its stderr is pumped into the job's log."""

    def __init__(self, argv: list[str], log: Callable[[str], None]) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     preexec_fn=_die_with_parent, cwd=settings.BASE_DIR, start_new_session=True)
        self.pump = threading.Thread(target=self._pump, args=(log,), daemon=True)
        self.pump.start()

    def _pump(self, log: Callable[[str], None]) -> None:
        for line in self.proc.stderr or ():
            log(line)

    def lines(self) -> Iterator[str]:
        assert self.proc.stdout is not None
        return iter(self.proc.stdout)

    def wait(self) -> int:
        code = self.proc.wait()
        self.pump.join(timeout=5)
        return code

    def how(self, code: int) -> str:
        if code == -signal.SIGKILL:
            return "was killed (SIGKILL; without a cancel that is most often the kernel's out-of-memory killer)"
        if code < 0:
            return f"was killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _input_paths(config: Config) -> list[str]:
    """The files a config names and the folders of the models it names (what the child loads)."""
    from alignment.config import describe
    from alignment.model_folders import resolve_model

    paths = [getattr(config, f.name) for f in config.file_fields()]
    for row in describe(type(config)):
        name = getattr(config, row["name"])
        if row["model"] and name:
            try:
                paths.append(str(resolve_model(name)))
            except UserError:
                continue  # the child says what is wrong with the name
    return paths


def _die_with_parent() -> None:
    # If the worker is killed (even with SIGKILL) its child must not run on as an orphan.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Heartbeat(threading.Thread):
    def __init__(self, ctx: JobContext) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{ctx.job.pk}")
        self.ctx = ctx
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connection.close()

    def beat(self) -> None:
        self.ctx.watch_for_stall()
        try:
            if engine.heartbeat(self.ctx.job.pk, self.ctx.lease, self.ctx.drain_log()):
                self.ctx.cancel_event.set()
                self.ctx.kill_child()
        except LeaseLost:
            self.ctx.lost_event.set()
            self.ctx.kill_child()
        except Exception:  # a database hiccup must not kill the heartbeat
            log.exception("heartbeat for job %s failed", self.ctx.job.pk)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def execute(job_id: int) -> str:
    from workers.kinds import handler as handler_for

    close_old_connections()
    lease = engine.claim(job_id, WORKER_NAME)
    if lease is None:
        return "not claimed"
    job = Job.objects.get(pk=job_id)
    ctx = JobContext(job, lease)
    beat = Heartbeat(ctx)
    beat.start()
    outcome = "failed"
    try:
        handler = handler_for(job.kind)
        if handler is None:
            raise UserError(f"unknown job kind {job.kind!r}")
        ctx.log(f"attempt {job.attempts} on {WORKER_NAME}")
        result = handler(ctx)
        ctx.check_cancel()
        _flush(ctx)
        engine.finish(job_id, lease, Job.Status.SUCCEEDED, result=result or {})
        outcome = "succeeded"
    except Cancelled:
        _flush(ctx)
        engine.finish(job_id, lease, Job.Status.CANCELLED, error="cancelled by user")
        outcome = "cancelled"
    except UserError as exc:
        _flush(ctx)
        engine.finish(job_id, lease, Job.Status.FAILED, error=str(exc))
    except (TransientError, ChildCrashed) as exc:
        _flush(ctx)
        outcome = "retrying" if engine.fail_attempt(job_id, lease, str(exc)) else "failed"
    except LeaseLost:
        outcome = "lease lost"
        log.warning("job %s was taken from this worker (heartbeat stale or reaped)", job_id)
    except Exception:
        _flush(ctx)
        engine.finish(job_id, lease, Job.Status.FAILED, error=traceback.format_exc())
    finally:
        beat.stop()
        ctx.kill_child()
    return outcome


def _flush(ctx: JobContext) -> None:
    try:
        engine.heartbeat(ctx.job.pk, ctx.lease, ctx.drain_log())
    except LeaseLost:
        raise
    except Exception:
        log.exception("could not flush the log of job %s", ctx.job.pk)


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
