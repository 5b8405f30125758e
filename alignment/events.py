"""The line protocol a child process uses to report to the worker that started it.

Each event is one JSON object on stdout; anything on stderr is a log line, and so is a `log`
event's message. The worker turns progress, metrics and records into database rows, so the
child never needs Django.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def is_reporter() -> bool:
    """In a multi-process run (accelerate / torchrun set RANK), only rank 0 reports; every rank's
    stderr still reaches the log."""
    return os.environ.get("RANK", "0") == "0"


def emit(event: str, **payload: Any) -> None:
    if not is_reporter():
        return
    sys.stdout.write(json.dumps({"event": event, **payload}) + "\n")
    sys.stdout.flush()


def progress(done: int, total: int, message: str = "", phase: str = "") -> None:
    """With a `phase` ("sampling", "judging"), the worker shows "PHASE done/total" counted over
    the whole job (a resumed child counts only what is left); a `message` is shown as it is."""
    emit("progress", done=done, total=total, message=message, phase=phase)


def metric(step: int, values: dict[str, float]) -> None:
    emit("metric", step=step, values=values)


def records(items: list[dict]) -> None:
    emit("records", items=items)


def error(kind: str, message: str) -> None:
    """kind is "user" (do not retry) or "transient" (retry with backoff)."""
    emit("error", kind=kind, message=message)
