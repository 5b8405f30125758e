"""What `make run` starts, it supervises: an embedded Redis, the web server, a worker and the
scheduler (the reaper's beat). A process that dies is started again; when the worker dies its
running jobs are taken back at once (not after their heartbeat goes stale); and each process runs
in a session of its own, so stopping it (or its death) leaves no child behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RESTART_PAUSE = 1.0  # seconds between restarts of a process that keeps dying


@dataclass
class Child:
    name: str
    command: Callable[[], list[str]]
    on_exit: Callable[[subprocess.Popen], None] = lambda proc: None
    proc: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0


@dataclass
class Supervisor:
    env: dict[str, str]
    say: Callable[[str], None]
    children: list[Child] = field(default_factory=list)

    def add(self, child: Child) -> None:
        self.children.append(child)
        self._start(child)

    def _start(self, child: Child) -> None:
        # A session of its own: the whole group (gunicorn's workers, a worker's children) is
        # signalled together, and a killed process's children never outlive it unnoticed.
        child.proc = subprocess.Popen(child.command(), env=self.env, start_new_session=True)
        child.started = time.monotonic()

    def check(self) -> None:
        """Restart whatever died; called every half second by `make run`."""
        for child in self.children:
            if child.proc is not None and child.proc.poll() is not None:
                self.say(f"{child.name} exited with {child.proc.returncode}; restarting")
                _kill_group(child.proc, signal.SIGKILL)  # whatever it left behind
                child.on_exit(child.proc)
                if time.monotonic() - child.started < RESTART_PAUSE:
                    time.sleep(RESTART_PAUSE)
                child.restarts += 1
                self._start(child)

    def stop(self, timeout: float = 15) -> None:
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                _kill_group(child.proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(child.proc, signal.SIGKILL)


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def worker_name(pid: int) -> str:
    """The name a worker process writes on the jobs it claims (workers/runner.py)."""
    return f"{socket.gethostname()}:{pid}"
