"""Model names as launches use them: the default model, a folder under the models directory, an
absolute path under an allowed root, a cached hub id, or a registered (trained) model.

A trained model derives from the constitution versions its data came from, so the training app
registers its registry here (in its AppConfig.ready()): every launch refuses a registered model
the user may not see, and a job inherits the lineage of the models it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from alignment.errors import UserError
from alignment.model_folders import resolve_model


class Registry(Protocol):
    def rows(self, user) -> list[dict[str, str]]:
        """[{name, label}] the model box offers this user."""

    def hidden(self, user, path: Path) -> bool:
        """Whether the folder is a registered model this user may not see."""

    def lineage(self, path: Path) -> set[int]:
        """The constitution version ids a registered model derives from (empty if none)."""


REGISTRIES: list[Registry] = []


def check_model(user, name: str) -> Path:
    """The model's folder, or a UserError: unknown, unreadable, or not this user's to see (told
    the same way as an unknown one, so a name never reveals what it hides)."""
    path = resolve_model(name)
    if any(registry.hidden(user, path) for registry in REGISTRIES):
        raise UserError(f"model {name!r} not found")
    return path


def lineage(*paths: Path | None) -> set[int]:
    return {v for path in paths if path is not None for registry in REGISTRIES for v in registry.lineage(path)}


def model_choices(user) -> list[dict[str, str]]:
    return [row for registry in REGISTRIES for row in registry.rows(user)]
