"""Names people give things (constitutions, forks, prompt sets, datasets, imported sets): one
check for all of them, so no page or database ever sees an over-long, HTML or NUL-laden name."""

from __future__ import annotations

import re

from alignment.errors import UserError

# An opening "<" of a tag, a comment or a processing instruction: a name has no need of them.
HTML_RE = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]")
# Constitution texts are Markdown that judges read verbatim and pages escape or sanitize (nh3).
# They may hold placeholders the papers use, such as `Score: <total points>`, but no markup:
# no comment or processing instruction, no HTML element, no tag with a handler or a URL.
HTML_ELEMENTS = (
    "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption cite code col "
    "colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer form "
    "frame frameset h1 h2 h3 h4 h5 h6 head header hr html i iframe image img input ins kbd label legend li link main "
    "map mark marquee math menu meta meter nav noembed noframes noscript object ol optgroup option output p param "
    "picture plaintext portal pre progress q rp rt ruby s samp script search section select slot small source span "
    "strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr track u ul var "
    "video wbr xmp").split()
_ELEMENT = "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True))
MARKUP_RE = re.compile(
    rf"<\s*[!?]|</?(?:{_ELEMENT})(?![\w-])|<[^<>]*\b(?:on\w+|style|href|src|srcdoc|action|formaction|xmlns)\s*=",
    re.IGNORECASE)
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
