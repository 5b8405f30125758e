"""Constitutions as plain data: the YAML format, its validation, and its content hash.

The same format is used by the files in principles/, by the web app's import, export and raw
editor, and by the CLI. Validation errors name the field path and, for YAML, the line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from alignment.names import MARKUP_RE

MAX_YAML_BYTES = 512 * 1024
MAX_PRINCIPLES = 500
MAX_TEXT = 20_000
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    # kind: {"required": fields, "optional": fields}
    "critique_revision": {"required": ("critique", "revision"), "optional": ()},
    # SALMON's principle: the judge's question, the behaviour it asks for, and its negative
    # definition (the opposite behaviour), which reward-model data shows for a negated example.
    "comparison": {"required": ("comparison",), "optional": ("statement", "negative")},
    "rubric": {"required": ("intro", "points", "instruction"), "optional": ()},
    # The head every judge or critic request starts with, and worked examples: `exemplars` for the
    # pairwise judge, `critique_exemplars` (a harmful exchange, its critique, its revision) for SL-CAI.
    "preamble": {"required": ("preamble",), "optional": ("exemplars", "critique_exemplars", "review_guidelines")},
}
COMMON = ("key", "kind", "title", "text", "weight", "tags", "enabled")
TOP = ("name", "description", "principles")
EXEMPLAR_KEYS = ("prompt", "response_a", "response_b", "answer", "reasoning")
CRITIQUE_EXEMPLAR_KEYS = ("prompt", "response", "critique", "revision")


class ConstitutionError(ValueError):
    """Every problem found, each as 'path: message' (with 'line N' when known)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Principle:
    key: str
    kind: str
    title: str
    text: str
    weight: float = 1.0
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    fields: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = {"key": self.key, "kind": self.kind, "title": self.title, "text": self.text,
                "weight": self.weight, "tags": list(self.tags), "enabled": self.enabled}
        for name in KINDS[self.kind]["required"] + KINDS[self.kind]["optional"]:
            if name in self.fields:
                data[name] = self.fields[name]
        return data


@dataclass
class Constitution:
    name: str
    description: str = ""
    principles: list[Principle] = field(default_factory=list)

    def content(self) -> dict:
        """The canonical content: what the hash covers (the name is identity, not content)."""
        return {"description": self.description, "principles": [p.to_dict() for p in self.principles]}

    def content_hash(self) -> str:
        return content_hash(self.content())

    def to_dict(self) -> dict:
        return {"name": self.name, **self.content()}

    def to_yaml(self) -> str:
        return yaml.dump(self.to_dict(), Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)

    def of_kind(self, kind: str, enabled_only: bool = True) -> list[Principle]:
        return [p for p in self.principles if p.kind == kind and (p.enabled or not enabled_only)]


class _BlockDumper(yaml.SafeDumper):
    """Multi-line texts as literal blocks, so exported YAML reads like the files in principles/."""


_BlockDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# validation


class _Checker:
    def __init__(self, lines: dict[tuple, int] | None = None) -> None:
        self.problems: list[str] = []
        self.lines = lines or {}

    def fail(self, path: tuple, message: str) -> None:
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
        line = self._line(path)
        self.problems.append(f"{where or 'document'}{f' (line {line})' if line else ''}: {message}")

    def _line(self, path: tuple) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def text(self, value: Any, path: tuple, required: bool = True, limit: int = MAX_TEXT) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path, "must not be empty")
            return ""
        if not isinstance(value, str):
            self.fail(path, f"must be text, got {type(value).__name__}")
            return ""
        if len(value) > limit:
            self.fail(path, f"is {len(value)} characters; the limit is {limit}")
        if MARKUP_RE.search(value):
            self.fail(path, "contains HTML; write Markdown instead (HTML and scripts are not allowed; a placeholder "
                            "such as <total points> is fine)")
        if "\x00" in value:
            self.fail(path, "contains a NUL character")
        # Browsers submit textareas with CRLF line ends; the content must not change with them.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        lines = [line.rstrip() for line in value.strip().split("\n")]
        return "\n".join(lines)

    def unknown(self, data: dict, allowed: tuple, path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.fail(path + (str(key),), f"unknown key (allowed: {', '.join(allowed)})")


def from_dict(data: Any, lines: dict[tuple, int] | None = None) -> Constitution:
    """Validate a parsed document; raise ConstitutionError listing every problem."""
    c = _Checker(lines)
    if not isinstance(data, dict):
        raise ConstitutionError(["document: must be a mapping with name, description and principles"])
    c.unknown(data, TOP, ())
    name = c.text(data.get("name"), ("name",), limit=200)
    description = c.text(data.get("description"), ("description",), required=False)
    raw = data.get("principles")
    principles: list[Principle] = []
    if not isinstance(raw, list) or not raw:
        c.fail(("principles",), "must be a non-empty list")
        raw = []
    if len(raw) > MAX_PRINCIPLES:
        c.fail(("principles",), f"has {len(raw)} principles; the limit is {MAX_PRINCIPLES}")
        raw = raw[:MAX_PRINCIPLES]
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = ("principles", i)
        if not isinstance(item, dict):
            c.fail(path, "must be a mapping")
            continue
        kind = item.get("kind")
        if kind not in KINDS:
            c.fail(path + ("kind",), f"must be one of {', '.join(KINDS)}, got {kind!r}")
            continue
        spec = KINDS[kind]
        c.unknown(item, COMMON + spec["required"] + spec["optional"], path)
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            c.fail(path + ("key",), "must be 1-64 lowercase letters, digits or dashes, starting with a letter or digit")
            key = str(key)
        elif key in seen:
            c.fail(path + ("key",), f"duplicate key {key!r} (also principles[{seen[key]}])")
        seen.setdefault(key, i)
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 100:
            c.fail(path + ("weight",), "must be a number greater than 0 and at most 100")
            weight = 1.0
        tags = item.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 50 for t in tags):
            c.fail(path + ("tags",), "must be a list of short texts")
            tags = []
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            c.fail(path + ("enabled",), "must be true or false")
            enabled = True
        fields = _kind_fields(c, kind, item, path)
        principles.append(Principle(
            key=key, kind=kind, title=c.text(item.get("title"), path + ("title",), limit=200),
            text=c.text(item.get("text"), path + ("text",)), weight=float(weight),
            tags=[c.text(t, path + ("tags",), limit=50) for t in tags], enabled=enabled, fields=fields,
        ))
    if c.problems:
        raise ConstitutionError(c.problems)
    return Constitution(name=name, description=description, principles=principles)


def _kind_fields(c: _Checker, kind: str, item: dict, path: tuple) -> dict:
    fields: dict[str, Any] = {}
    if kind == "rubric":
        fields["intro"] = c.text(item.get("intro"), path + ("intro",))
        points = item.get("points")
        if not isinstance(points, list) or not 2 <= len(points) <= 10:
            c.fail(path + ("points",), "must be a list of 2 to 10 point descriptions")
            points = []
        fields["points"] = [c.text(p, path + ("points", j)) for j, p in enumerate(points)]
        fields["instruction"] = c.text(item.get("instruction"), path + ("instruction",))
        if fields["instruction"] and "Score:" not in fields["instruction"]:
            c.fail(path + ("instruction",), "must tell the judge to end with 'Score: <total points>'")
        return fields
    if kind == "preamble":
        fields["preamble"] = c.text(item.get("preamble"), path + ("preamble",))
        exemplars = item.get("exemplars", [])
        if not isinstance(exemplars, list):
            c.fail(path + ("exemplars",), "must be a list")
            exemplars = []
        clean = []
        for j, ex in enumerate(exemplars):
            ep = path + ("exemplars", j)
            if not isinstance(ex, dict):
                c.fail(ep, "must be a mapping with prompt, response_a, response_b, answer")
                continue
            c.unknown(ex, EXEMPLAR_KEYS, ep)
            answer = ex.get("answer")
            if answer not in ("A", "B"):
                c.fail(ep + ("answer",), "must be A or B")
            one = {k: c.text(ex.get(k), ep + (k,)) for k in ("prompt", "response_a", "response_b")}
            one["answer"] = str(answer)
            if ex.get("reasoning") is not None:
                one["reasoning"] = c.text(ex.get("reasoning"), ep + ("reasoning",))
            clean.append(one)
        if exemplars:
            fields["exemplars"] = clean
        worked = item.get("critique_exemplars", [])
        if not isinstance(worked, list):
            c.fail(path + ("critique_exemplars",), "must be a list")
            worked = []
        for j, ex in enumerate(worked):
            ep = path + ("critique_exemplars", j)
            if not isinstance(ex, dict):
                c.fail(ep, f"must be a mapping with {', '.join(CRITIQUE_EXEMPLAR_KEYS)}")
                continue
            c.unknown(ex, CRITIQUE_EXEMPLAR_KEYS, ep)
            fields.setdefault("critique_exemplars", []).append(
                {k: c.text(ex.get(k), ep + (k,)) for k in CRITIQUE_EXEMPLAR_KEYS})
        if item.get("review_guidelines") not in (None, ""):  # Markdown for people reviewing the pairs
            fields["review_guidelines"] = c.text(item.get("review_guidelines"), path + ("review_guidelines",))
        return fields
    spec = KINDS[kind]
    for name in spec["required"]:
        fields[name] = c.text(item.get(name), path + (name,))
    for name in spec["optional"]:
        if item.get(name) not in (None, ""):
            fields[name] = c.text(item.get(name), path + (name,))
    return fields


def _node_lines(node, path=()) -> dict[tuple, int]:
    """Map each path in a composed YAML tree to its 1-based line."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            lines[path + (key_node.value,)] = key_node.start_mark.line + 1
            child = path + (key_node.value,)
            lines.update({k: v for k, v in _node_lines(value_node, child).items() if k != child})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_node_lines(item, path + (i,)))
    return lines


MAX_DEPTH = 50


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML with what a constitution never needs refused before it can cost anything:
    aliases (a few hundred bytes of them expand to gigabytes), nesting deeper than MAX_DEPTH,
    duplicate keys and keys that are not plain values."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value", key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str):
    """(composed node, data) of one YAML document, parsed once with _StrictLoader."""
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def from_yaml(text: str | bytes) -> Constitution:
    """Parse and validate YAML; errors point at lines."""
    if isinstance(text, bytes):
        if len(text) > MAX_YAML_BYTES:
            raise ConstitutionError([f"document: {len(text)} bytes; the limit is {MAX_YAML_BYTES}"])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ConstitutionError(["document: not UTF-8 text"]) from None
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise ConstitutionError([f"document: larger than the limit of {MAX_YAML_BYTES} bytes"])
    try:
        node, data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConstitutionError([f"YAML {where}{problem}"]) from None
    if node is None:
        raise ConstitutionError(["document: empty"])
    return from_dict(data, _node_lines(node))


def json_schema() -> dict:
    """The published JSON schema of the format (the validator above is the reference)."""
    text = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
    common = {
        "key": {"type": "string", "pattern": KEY_RE.pattern},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "text": text,
        "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 50}},
        "enabled": {"type": "boolean"},
    }
    exemplar = {
        "type": "object", "additionalProperties": False,
        "required": ["prompt", "response_a", "response_b", "answer"],
        "properties": {"prompt": text, "response_a": text, "response_b": text,
                       "answer": {"enum": ["A", "B"]}, "reasoning": text},
    }
    critique_exemplar = {"type": "object", "additionalProperties": False, "required": list(CRITIQUE_EXEMPLAR_KEYS),
                         "properties": dict.fromkeys(CRITIQUE_EXEMPLAR_KEYS, text)}
    kind_props = {
        "critique_revision": {"critique": text, "revision": text},
        "comparison": {"comparison": text, "statement": text, "negative": text},
        "rubric": {"intro": text, "points": {"type": "array", "minItems": 2, "maxItems": 10, "items": text},
                   "instruction": {**text, "pattern": "Score:"}},
        "preamble": {"preamble": text, "exemplars": {"type": "array", "items": exemplar},
                     "critique_exemplars": {"type": "array", "items": critique_exemplar}, "review_guidelines": text},
    }
    variants = [
        {
            "type": "object", "additionalProperties": False,
            "required": ["key", "kind", "title", "text", *KINDS[kind]["required"]],
            "properties": {**common, "kind": {"const": kind}, **props},  # type: ignore[dict-item]
        }
        for kind, props in kind_props.items()
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Charter constitution",
        "type": "object", "additionalProperties": False, "required": ["name", "principles"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": {"type": "string", "maxLength": MAX_TEXT},
            "principles": {"type": "array", "minItems": 1, "maxItems": MAX_PRINCIPLES, "items": {"oneOf": variants}},
        },
    }
