"""A worker announces the queues it consumes and its GPU count while it lives (see
webapp/core/presence.py); the announcement expires by itself if the worker dies."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading

from celery.signals import worker_ready, worker_shutdown

from webapp.core import presence

log = logging.getLogger(__name__)
_stop = threading.Event()
_threads: list[threading.Thread] = []


def _gpus() -> int:
    """CHARTER_WORKER_GPUS if set, else what nvidia-smi lists (no torch in the worker process)."""
    if os.environ.get("CHARTER_WORKER_GPUS", "").strip():
        return int(os.environ["CHARTER_WORKER_GPUS"])
    if not shutil.which("nvidia-smi"):
        return 0
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return 0
    return sum(line.startswith("GPU ") for line in listed.splitlines())


@worker_ready.connect
def _start(sender, **_) -> None:
    name, queues = sender.hostname, [q.name for q in sender.task_consumer.queues]

    def beat() -> None:
        gpus = _gpus()
        while True:
            try:
                presence.announce(name, queues, gpus)
            except Exception as exc:  # noqa: BLE001 - Redis away: try again at the next beat
                log.warning("presence: %s", exc)
            if _stop.wait(presence.EVERY_SECONDS):
                return

    thread = threading.Thread(target=beat, name="presence", daemon=True)
    _threads.append(thread)
    thread.start()


@worker_shutdown.connect
def _stop_announcing(sender, **_) -> None:
    _stop.set()
    for thread in _threads:  # an announcement in flight must not land after the withdrawal
        thread.join(timeout=5)
    try:
        presence.withdraw(sender.hostname)
    except Exception as exc:  # noqa: BLE001 - the key expires anyway
        log.info("presence: not withdrawn (%s); it expires in %s s", exc, presence.TTL_SECONDS)
