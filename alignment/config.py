"""The contract of a job kind's config: what a person chooses, and the files a worker provides.

Each job kind has one dataclass. A field made with `choice()` is something a person picks (on a
launch form, in an API body, with `--set`): it carries its help text, its bounds or options, and
is checked here, once, by type and by range. A field made with `path()` is a file that whoever
runs the method provides (the worker writes the job's inputs into its run folder; a CLI user
names their own files); forms and API bodies never show it.

    @dataclass
    class SampleConfig(Config):
        prompts: str = path("JSONL of {key, prompt} records")
        n: int = choice(4, "responses per prompt", min=1, max=64)

    SampleConfig.from_choices({"n": 2}, prompts="in.jsonl")   # typed, bounded, or UserError
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from alignment.errors import UserError

C = TypeVar("C", bound="Config")
TYPES = (bool, int, float, str)


def choice(default: Any, help: str, *, min: float | None = None, max: float | None = None,
           above: float | None = None, options: Mapping[str, str] | None = None, label: str = "",
           model: bool = False, multiline: bool = False, max_length: int = 1000) -> Any:
    """A value a person chooses. `min`/`max` are inclusive bounds, `above` an exclusive lower
    bound; `options` maps each allowed value to its label; `model` marks a model name (forms
    offer the registered models)."""
    meta = {"help": help, "min": min, "max": max, "above": above, "options": dict(options) if options else None,
            "label": label, "model": model, "multiline": multiline, "max_length": max_length}
    return dataclasses.field(default=default, metadata=meta)


def path(help: str, default: str = "") -> Any:
    """A file or folder the runner provides (never shown on a form)."""
    return dataclasses.field(default=default, metadata={"help": help, "file": True})


@dataclasses.dataclass
class Config:
    """Base of every job kind's config: the checks that follow from the fields' metadata."""

    # The job kind this config runs (also its CLI subcommand); cross-field rules are a
    # subclass's `problems()`, bounds come from the fields' metadata.
    KIND: ClassVar[str] = ""

    @classmethod
    def choice_fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if not f.metadata.get("file")]

    @classmethod
    def choice_names(cls) -> list[str]:
        return [f.name for f in cls.choice_fields()]

    @classmethod
    def file_fields(cls) -> list[dataclasses.Field]:
        return [f for f in dataclasses.fields(cls) if f.metadata.get("file")]

    @classmethod
    def field_type(cls, f: dataclasses.Field) -> type:
        return _hints(cls)[f.name]

    @classmethod
    def from_snapshot(cls: type[C], snapshot: Mapping[str, Any], **files: str) -> C:
        """The config a job snapshotted at launch: its choices, without the other keys the job
        stored beside them (names, ids of its inputs, its shard)."""
        names = set(cls.choice_names())
        return cls.from_choices({k: v for k, v in snapshot.items() if k in names}, **files)

    @classmethod
    def from_choices(cls: type[C], data: Mapping[str, Any], **files: str) -> C:
        """A checked config from chosen values (unknown keys and wrong types refused, bounds and
        cross-field rules checked) plus the files, which only the runner passes."""
        if not isinstance(data, Mapping):
            raise UserError("config must be an object of key: value choices")
        names = {f.name: f for f in cls.choice_fields()}
        unknown = sorted(str(k) for k in data if k not in names)
        if unknown:
            raise UserError(f"unknown config keys: {', '.join(unknown)[:300]} (known: {', '.join(names)})")
        problems, values = [], {}
        for name, value in data.items():
            try:
                values[name] = coerce(name, cls.field_type(names[name]), value)
            except UserError as exc:
                problems.append(str(exc))
        if problems:
            raise UserError("; ".join(problems))
        file_names = {f.name for f in cls.file_fields()}
        extra = sorted(set(files) - file_names)
        if extra:
            raise UserError(f"not file fields of {cls.__name__}: {', '.join(extra)}")
        config = cls(**values, **{k: str(v) for k, v in files.items()})
        config.validate()
        return config

    def validate(self) -> None:
        """Every choice within its bounds and options, then the subclass's cross-field rules."""
        problems = []
        for f in self.choice_fields():
            problem = _out_of_bounds(f, getattr(self, f.name))
            if problem:
                problems.append(problem)
        if not problems:
            problems += self.problems()
        if problems:
            raise UserError("; ".join(problems))

    def problems(self) -> list[str]:
        """Rules that tie several choices together; a subclass lists what is wrong."""
        return []

    def check_files(self) -> None:
        """That the files a run needs were given (a subclass says which); the runner calls it."""

    def choices(self) -> dict[str, Any]:
        """The chosen values alone: what a job snapshots."""
        return {f.name: getattr(self, f.name) for f in self.choice_fields()}

    def with_files(self: C, **files: str) -> C:
        return dataclasses.replace(self, **files)


def coerce(name: str, expected: type, value: Any) -> Any:
    """The value if it has the field's type (an int where a float belongs is widened);
    otherwise a UserError that says what was expected."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if expected is bool:
        ok = isinstance(value, bool)
    elif expected in (int, float):
        ok = isinstance(value, expected) and not isinstance(value, bool)
        if ok and expected is float and not math.isfinite(value):
            raise UserError(f"{name} must be a finite number")
    else:
        ok = isinstance(value, expected)
    if not ok:
        word = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[expected]
        raise UserError(f"{name} must be {word}, not {_show(value)}")
    if expected is str and ("\x00" in value):
        raise UserError(f"{name} may not contain NUL characters")
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value: float) -> str:
    """A bound or value as people write it: 4294967295, 0.01, 1e-06."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def _out_of_bounds(f: dataclasses.Field, value: Any) -> str | None:
    meta = f.metadata
    if meta.get("options") and value not in meta["options"]:
        return f"{f.name} must be one of {', '.join(meta['options'])}"
    if isinstance(value, str) and len(value) > meta.get("max_length", 1000):
        return f"{f.name} is longer than {meta['max_length']} characters"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    low, high, above = meta.get("min"), meta.get("max"), meta.get("above")
    ok = (above is None or value > above) and (low is None or value >= low) and (high is None or value <= high)
    if ok:
        return None
    if above is not None:
        return f"{f.name} must be greater than {number(above)}" + (f" and at most {number(high)}" if high is not None else "")
    if low is not None and high is not None:
        return f"{f.name} must be between {number(low)} and {number(high)}, not {number(value)}"
    return f"{f.name} must be at least {number(low)}" if low is not None else f"{f.name} must be at most {number(high)}"  # type: ignore[arg-type]


_HINTS: dict[type, dict[str, type]] = {}


def _hints(cls: type) -> dict[str, type]:
    if cls not in _HINTS:
        hints = typing.get_type_hints(cls)
        for name, hint in hints.items():
            if hint not in TYPES and typing.get_origin(hint) is not ClassVar:
                raise TypeError(f"{cls.__name__}.{name}: config fields are bool, int, float or str, not {hint}")
        _HINTS[cls] = hints
    return _HINTS[cls]


def describe(cls: type[Config]) -> list[dict[str, Any]]:
    """Every choice with its type, default, bounds and help: for `--help`, API docs and forms."""
    rows = []
    for f in cls.choice_fields():
        meta = f.metadata
        rows.append({"name": f.name, "type": cls.field_type(f).__name__, "default": f.default, "help": meta["help"],
                     "min": meta.get("min"), "max": meta.get("max"), "above": meta.get("above"),
                     "options": meta.get("options"), "label": meta.get("label") or f.name.replace("_", " "),
                     "model": meta.get("model", False), "multiline": meta.get("multiline", False),
                     "max_length": meta.get("max_length", 1000)})
    return rows
