"""Diffs and three-way merges of constitution documents (plain data, no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from alignment.constitution import Constitution, Principle

_TOKENS = re.compile(r"\s+|[^\s]+")
# Word diffs run on diff-match-patch with a deadline: its O(ND) diff returns a correct (if not
# minimal) diff when time runs out, so a page with two long responses costs what the deadline
# allows, not the quadratic (or worse) time difflib took on repetitive text (14 s at 20,000 words).
DIFF_SECONDS = 0.3
MAX_DIFF_TOKENS = 50_000
_PLANE = 0xF0000  # each distinct word becomes one private-use character


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in {"same", "del", "ins"}, at word granularity."""
    from diff_match_patch import diff_match_patch

    a, b = _TOKENS.findall(old or "")[:MAX_DIFF_TOKENS], _TOKENS.findall(new or "")[:MAX_DIFF_TOKENS]
    codes: dict[str, str] = {}
    words: list[str] = []

    def encode(tokens: list[str]) -> str:
        for token in tokens:
            if token not in codes:
                codes[token] = chr(_PLANE + len(words))
                words.append(token)
        return "".join(codes[t] for t in tokens)

    engine = diff_match_patch()
    engine.Diff_Timeout = DIFF_SECONDS
    diffs = engine.diff_main(encode(a), encode(b), checklines=False)
    engine.diff_cleanupSemantic(diffs)
    names = {-1: "del", 0: "same", 1: "ins"}
    return [(names[op], "".join(words[ord(c) - _PLANE] for c in text)) for op, text in diffs if text]


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    return "" if value is None else str(value)


@dataclass
class FieldChange:
    name: str
    old: str
    new: str
    ops: list[tuple[str, str]]


@dataclass
class PrincipleChange:
    key: str
    title: str
    fields: list[FieldChange]


@dataclass
class Diff:
    added: list[Principle] = field(default_factory=list)
    removed: list[Principle] = field(default_factory=list)
    changed: list[PrincipleChange] = field(default_factory=list)
    reordered: bool = False
    header: list[FieldChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered or self.header)


def diff(old: Constitution, new: Constitution) -> Diff:
    result = Diff()
    for name in ("name", "description"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            result.header.append(FieldChange(name, a, b, word_diff(a, b)))
    olds = {p.key: p for p in old.principles}
    news = {p.key: p for p in new.principles}
    result.added = [p for p in new.principles if p.key not in olds]
    result.removed = [p for p in old.principles if p.key not in news]
    for p in new.principles:
        if p.key in olds and olds[p.key].to_dict() != p.to_dict():
            a, b = olds[p.key].to_dict(), p.to_dict()
            changes = [
                FieldChange(k, _as_text(a.get(k)), _as_text(b.get(k)), word_diff(_as_text(a.get(k)), _as_text(b.get(k))))
                for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)
            ]
            result.changed.append(PrincipleChange(p.key, p.title, changes))
    common_old = [k for k in olds if k in news]
    common_new = [k for k in news if k in olds]
    result.reordered = common_old != common_new
    return result


@dataclass
class Conflict:
    key: str
    theirs: Principle | None
    mine: Principle | None


def merge(base: Constitution, theirs: Constitution, mine: Constitution) -> tuple[Constitution, list[Conflict]]:
    """Re-apply my changes (base -> mine) on top of theirs (base -> theirs), per principle.

    Where both sides changed the same principle differently, theirs is kept in the merged
    document and the principle is reported as a conflict for the user to decide."""
    b = {p.key: p.to_dict() for p in base.principles}
    t = {p.key: p for p in theirs.principles}
    m = {p.key: p for p in mine.principles}
    conflicts: list[Conflict] = []
    merged: dict[str, Principle | None] = {}
    for key in dict.fromkeys([*t, *m, *b]):
        bd = b.get(key)
        td = t[key].to_dict() if key in t else None
        md = m[key].to_dict() if key in m else None
        if md == bd or md == td:
            merged[key] = t.get(key)
        elif td == bd:
            merged[key] = m.get(key)
        else:
            merged[key] = t.get(key)
            conflicts.append(Conflict(key, t.get(key), m.get(key)))
    kept = {k: p for k, p in merged.items() if p is not None}
    order = [k for k in [*t, *(k for k in m if k not in t)] if k in kept]
    header = {}
    for name in ("name", "description"):
        bv, tv, mv = getattr(base, name), getattr(theirs, name), getattr(mine, name)
        header[name] = mv if tv == bv else tv
    return Constitution(principles=[kept[k] for k in order], **header), conflicts


def resolve(merged: Constitution, conflicts: list[Conflict], take_mine: set[str]) -> Constitution:
    """Apply the user's choices: for each conflicting key in take_mine, use my side."""
    mine = {c.key: c.mine for c in conflicts if c.key in take_mine}
    principles: list[Principle] = []
    for p in merged.principles:
        choice = mine.get(p.key, p)
        if choice is not None:  # my side deleted it
            principles.append(choice)
    present = {p.key for p in principles}
    principles += [p for k, p in mine.items() if p is not None and k not in present]
    return Constitution(name=merged.name, description=merged.description, principles=principles)
