"""Form pieces every launch form shares: fields derived from a job kind's config dataclass, the
model box, the constitution-version choice and the queue choice."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from alignment.config import Config, describe
from webapp.core import presence

QUEUE_CHOICES = [("default", "default (CPU)"), ("gpu", "gpu"), ("ray", "ray (a Ray cluster)")]


class ModelNameInput(forms.TextInput):
    """Free text (a folder, a path or a cached hub id still work); the page renders the
    choices once with `{% load charter %}{% model_datalist %}`."""

    def __init__(self, attrs=None):
        super().__init__({"list": "model-names", "autocomplete": "off", **(attrs or {})})


class VersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} v{obj.number}"


def queue_field() -> forms.ChoiceField:
    """The queue choice: gpu and ray only while a live worker serves them (webapp/core/presence.py)."""
    served = [(key, label) for key, label in QUEUE_CHOICES if key == "default" or presence.serves(key) is not False]
    missing = [key for key, _ in QUEUE_CHOICES if key not in dict(served)]
    return forms.ChoiceField(choices=served, initial="default", help_text=(
        "gpu: only a worker started with the gpu queue picks the job up; ray: a worker of the ray queue runs it on "
        "its Ray cluster") + (f"; {not_served(missing)}" if missing else ""))


def not_served(queues: list[str]) -> str:
    return (f"no worker serves the {' or '.join(queues)} queue now, so {'it is' if len(queues) == 1 else 'they are'} not "
            "offered "
            f"(start one with `celery -A workers.app worker -Q {','.join(queues)}`"
            f"{'; a ray worker needs CHARTER_RAY_ADDRESS' if 'ray' in queues else ''})")


NO_GPU_WORKER = not_served(["gpu"])


def offer_gpu_device(field: forms.ChoiceField) -> None:
    """A device choice keeps "gpu" only while a live worker serves the gpu queue (or the ray queue,
    whose cluster may have GPUs)."""
    if presence.serves("gpu") is False and presence.serves("ray") is False:
        field.choices = [(k, v) for k, v in list(field.choices) if k != "gpu"]  # type: ignore[arg-type]
        field.help_text = f"{field.help_text}; {NO_GPU_WORKER}"


def config_field(row: dict[str, Any]) -> forms.Field:
    """One form field for one choice of a config dataclass (see alignment.config.describe). A
    field left blank means the dataclass's default."""
    common = {"initial": row["default"], "help_text": row["help"], "label": row["label"].capitalize(),
              "required": False}
    if row["options"]:
        return forms.ChoiceField(choices=list(row["options"].items()), **common)
    if row["type"] == "bool":
        return forms.BooleanField(**common)
    # Bounds are the dataclass's to check (one place, one message); the browser gets them as hints.
    hints = {k: v for k, v in (("min", row["min"]), ("max", row["max"])) if v is not None}
    if row["type"] == "int":
        return forms.IntegerField(widget=forms.NumberInput(attrs=hints), **common)
    if row["type"] == "float":
        return forms.FloatField(widget=forms.NumberInput(attrs={**hints, "step": "any"}), **common)
    widget = ModelNameInput if row["model"] else forms.Textarea(attrs={"rows": 3}) if row["multiline"] else None
    return forms.CharField(max_length=row["max_length"], widget=widget, strip=not row["multiline"], **common)


def add_config_fields(form: forms.Form, cls: type[Config], skip: Iterable[str] = ()) -> None:
    """Append a field for every choice of `cls` (but `skip`) to a form, in the dataclass's order."""
    skip = set(skip)
    for row in describe(cls):
        if row["name"] not in skip:
            form.fields[row["name"]] = config_field(row)


def chosen(cls: type[Config], data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned data that belongs to `cls`; a blank text box means the dataclass's default."""
    names = {f.name for f in cls.choice_fields()}
    return {k: v for k, v in data.items() if k in names and v is not None and v != ""}
