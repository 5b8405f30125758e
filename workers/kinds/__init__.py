"""Job kinds the worker runs: each module is named by its kind (the Job.kind choice and, where
it runs a child, the `python -m alignment` subcommand) and holds a `run(ctx)` handler."""

from __future__ import annotations

import importlib
from collections.abc import Callable

KINDS = ("check", "sample", "feedback", "synthesize", "export", "train", "evaluate", "self_reward", "chat")


def handler(kind: str) -> Callable | None:
    if kind not in KINDS:
        return None
    return importlib.import_module(f"workers.kinds.{kind}").run
