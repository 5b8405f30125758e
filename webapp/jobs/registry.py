"""What the domains tell the spine, so the spine never imports them: the job kinds they own and
the panels each kind adds to its job page. Each domain registers in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {}
PANELS: dict[str, list[Panel]] = {}


@dataclass(frozen=True)
class Panel:
    """A section of a job's page. `context(request, job)` gives the template its values (None
    hides the panel); `partial` is a rows fragment the page re-fetches with ?partial=NAME while
    the job runs."""

    name: str
    template: str
    context: Callable[[Any, Any], dict | None]
    partial: str = ""
    top: bool = False  # above the metrics (a summary) rather than below (rows)


def register_kind(name: str, label: str, *panels: Panel) -> None:
    """A job kind has one name everywhere: this choice, its workers/kinds/ module and, where it
    runs a child process, the `python -m alignment` subcommand."""
    KINDS[name] = label
    PANELS.setdefault(name, []).extend(panels)


def kind_choices() -> list[tuple[str, str]]:
    return sorted(KINDS.items())


def panels_for(kind: str) -> list[Panel]:
    return PANELS.get(kind, [])
