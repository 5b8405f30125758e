"""API bodies derived from a job kind's config dataclass.

Each choice becomes an optional field that the OpenAPI document describes with its type,
default, bounds and help text; the values themselves are checked by the dataclass (one place,
the same messages as the forms and the CLI), so a wrong type or an unknown key is a 400 that
names the field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from alignment.config import Config, describe

JSON_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}


def choice_fields(cls: type[Config]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for row in describe(cls):
        extra: dict[str, Any] = {"type": JSON_TYPES[row["type"]]}
        if row["options"]:
            extra["enum"] = list(row["options"])
        for key, bound in (("minimum", "min"), ("maximum", "max"), ("exclusiveMinimum", "above")):
            if row[bound] is not None:
                extra[key] = row[bound]
        fields[row["name"]] = (Any, Field(row["default"], description=row["help"], json_schema_extra=extra))
    return fields


class Choices(BaseModel):
    # Unknown keys are kept, so that the dataclass refuses them by name.
    model_config = ConfigDict(extra="allow")


def config_schema(cls: type[Config]) -> type[BaseModel]:
    """`{choice: value, ...}` for a nested `config` field."""
    return create_model(f"{cls.__name__}Choices", __base__=Choices, **choice_fields(cls))


def flat_schema(cls: type[Config], name: str, **inputs: Any) -> type[BaseModel]:
    """A body whose choices sit beside its inputs (the ids of what the job runs on)."""
    return create_model(name, __base__=Choices, **inputs, **choice_fields(cls))


def choices_of(body: BaseModel | dict, inputs: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the caller chose (defaults are the dataclass's), unknown keys included."""
    if isinstance(body, dict):  # an omitted `config` keeps its default
        return dict(body)
    values = body.model_dump(exclude_unset=True)
    values.update(body.model_extra or {})
    return {k: v for k, v in values.items() if k not in inputs}

