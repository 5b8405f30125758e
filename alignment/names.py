"""Names people give things (constitutions, forks, prompt sets, datasets, imported sets): one
check for all of them, so no page or database ever sees an over-long, HTML or NUL-laden name."""

from __future__ import annotations

import re

from alignment.errors import UserError

# An opening "<" of a tag, a comment or a processing instruction: Markdown has no need of them.
HTML_RE = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 200


def check_name(value: object, field: str = "name", limit: int = MAX_NAME) -> str:
    """The name, stripped; or a UserError that says what is wrong with it."""
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{field}: required")
    value = value.strip()
    if len(value) > limit:
        raise UserError(f"{field}: {len(value)} characters; the limit is {limit}")
    if HTML_RE.search(value):
        raise UserError(f"{field}: may not contain HTML")
    if CONTROL.search(value):
        raise UserError(f"{field}: may not contain control characters (NUL, line breaks, tabs)")
    return value
