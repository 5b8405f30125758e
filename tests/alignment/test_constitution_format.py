"""The YAML format: validation with line numbers, hashing, round trips, the JSON schema."""

from pathlib import Path

import pytest
import yaml

from alignment.constitution import MAX_YAML_BYTES, ConstitutionError, from_yaml, json_schema

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "principles").glob("*.yaml"))

GOOD = """\
name: Tiny
description: A test constitution.
principles:
  - key: helpful
    kind: comparison
    title: Helpful
    text: Prefer the **more helpful** answer.
    comparison: Which response is more helpful?
    negative: Which response is less helpful?
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConstitutionError) as info:
        from_yaml(text)
    return info.value.problems


def test_the_shipped_constitutions_are_valid_and_shaped_as_their_methods_need():
    docs = {d.name: d for d in map(lambda p: from_yaml(p.read_bytes()), SHIPPED)}
    assert len(docs["Harmlessness critiques (SL-CAI)"].of_kind("critique_revision")) == 16
    hhh = docs["Helpful, honest, harmless (SALMON)"]
    assert hhh.of_kind("comparison") and all(p.fields.get("negative") for p in hhh.of_kind("comparison"))
    rubric = docs["Additive 5-point judge (Self-Rewarding)"].of_kind("rubric")[0]
    assert len(rubric.fields["points"]) == 5 and "Score:" in rubric.fields["instruction"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_export_then_import_gives_the_same_content_hash(path):
    doc = from_yaml(path.read_bytes())
    again = from_yaml(doc.to_yaml())
    assert again.content_hash() == doc.content_hash()
    assert again.to_dict() == doc.to_dict()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_the_published_json_schema_accepts_the_shipped_files(path):
    import jsonschema
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())


def test_malformed_yaml_points_at_its_line():
    assert problems_of("name: x\nprinciples: [\n  - a: b\n")[0].startswith("YAML line")


def test_unknown_keys_are_named_with_their_line():
    text = GOOD.replace("    negative:", "    colour: blue\n    negative:")
    assert problems_of(text) == ["principles[0].colour (line 9): unknown key (allowed: key, kind, title, text, "
                                 "weight, tags, enabled, comparison, statement, negative)"]


def test_duplicate_principle_keys_are_refused():
    text = GOOD + GOOD.split("principles:\n")[1]
    assert any("duplicate key 'helpful' (also principles[0])" in p for p in problems_of(text))


def test_duplicate_mapping_keys_are_refused():
    assert "duplicate key 'name'" in problems_of("name: a\nname: b\nprinciples: []\n")[0]


def test_empty_texts_and_missing_kind_fields_are_refused():
    text = GOOD.replace("    comparison: Which response is more helpful?\n", "")
    text = text.replace("Prefer the **more helpful** answer.", "''")
    found = problems_of(text)
    assert "principles[0].text (line 7): must not be empty" in found
    assert any(p.startswith("principles[0].comparison") and "must not be empty" in p for p in found)


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- x -->", "< a href=x>",
                                     "<total onmouseover=alert(1)>", "<svg/onload=alert(1)>", "</TEXTAREA>"])
def test_html_in_any_text_is_refused(hostile):
    assert any("contains HTML" in p for p in problems_of(GOOD.replace("Which response is less helpful?", f"'{hostile}'")))


@pytest.mark.parametrize("placeholder", ["Score: <total points>", "<answer> then <reason>", "a < b and c > d"])
def test_placeholders_that_are_not_html_are_kept_as_written(placeholder):
    doc = from_yaml(GOOD.replace("Which response is less helpful?", f"'End with {placeholder}'"))
    assert any(placeholder in str(p.fields) for p in doc.principles)


def test_a_rubric_must_say_how_to_end_with_the_score():
    text = """\
name: R
principles:
  - key: r
    kind: rubric
    title: R
    text: t
    intro: i
    points: [a, b]
    instruction: Give a number.
"""
    assert problems_of(text) == ["principles[0].instruction (line 9): must tell the judge to end with 'Score: <total points>'"]


def test_oversized_documents_are_refused_before_parsing():
    assert "limit" in problems_of("x" * (MAX_YAML_BYTES + 1))[0]


def test_the_name_is_identity_not_content():
    doc = from_yaml(GOOD)
    renamed = from_yaml(GOOD.replace("name: Tiny", "name: Other"))
    assert doc.content_hash() == renamed.content_hash()
    changed = from_yaml(GOOD.replace("**more helpful**", "**most helpful**"))
    assert changed.content_hash() != doc.content_hash()


def test_browser_line_endings_and_trailing_spaces_do_not_change_the_content():
    doc = from_yaml(GOOD.replace("text: Prefer the **more helpful** answer.", 'text: "Line one.  \\r\\nLine two.\\r\\n"'))
    unix = from_yaml(GOOD.replace("text: Prefer the **more helpful** answer.", 'text: "Line one.\\nLine two."'))
    assert doc.content_hash() == unix.content_hash()


def test_exported_yaml_writes_multi_line_texts_as_blocks():
    doc = from_yaml(GOOD.replace("text: Prefer the **more helpful** answer.", 'text: "Line one.\\nLine two."'))
    assert "text: |-\n    Line one.\n    Line two.\n" in doc.to_yaml()
