"""alignment/records.py is the one home of the record formats: the same records give the same
SHA-256 in every format, and a bad record is named by its line or row."""

import json

import pytest

from alignment import record_files, records
from alignment.errors import UserError

PAIRS = [records.preference_record(f"Prompt {i} ü", "good", "bad", tie=False, soft_label=0.9, margin=0.8,
                                   human_verdict=None, method="rl_cai", principles=["helpful"], negated=[],
                                   pair_id=i, constitution_version=1, run=2) for i in range(5)]


@pytest.mark.parametrize("fmt", list(record_files.FORMATS))
def test_every_format_holds_the_same_records_with_the_same_hash(tmp_path, fmt):
    path = tmp_path / f"out{record_files.FORMATS[fmt]}"
    sha256, rows = record_files.write_dataset(iter(PAIRS), path, fmt, "preference")
    assert rows == 5 and sha256 == records.sha256_of(PAIRS)
    assert record_files.read_records(path) == PAIRS


def test_a_bad_line_is_named_and_absurd_nesting_is_refused(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "a", "prompt": "x"}\n\n{oops\n')
    with pytest.raises(UserError, match="bad.jsonl line 3: not valid JSON"):
        records.read_prompts(bad)
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(UserError, match="deep.jsonl line 1: (nested too deeply|not valid JSON)"):
        records.read_jsonl_list(deep)


def test_an_imported_preference_is_checked_field_by_field():
    where = "x.jsonl line 4"
    ok = records.parse_preference({"prompt": [{"role": "user", "content": "Q"}], "chosen": "A", "rejected": "B"}, where, 100)
    assert ok == {"prompt": "Q", "chosen": "A", "rejected": "B", "tie": False, "soft_label": 1.0, "margin": 1.0,
                  "columns": {}}
    with pytest.raises(UserError, match="x.jsonl line 4: 'soft_label' must be a number between 0 and 1"):
        records.parse_preference({"prompt": "Q", "chosen": "A", "rejected": "B", "soft_label": "high"}, where, 100)
    with pytest.raises(UserError, match="'chosen' has 101 characters; the limit is 100"):
        records.parse_preference({"prompt": "Q", "chosen": "A" * 101, "rejected": "B"}, where, 100)


def test_other_scalar_columns_are_kept_as_bounded_text_metadata():
    row = {"prompt": "Q", "chosen": "A", "rejected": "B", "harm_category": "violence", "score": 3, "ok": True,
           "nested": {"a": 1}, "bad name": "x", "a__b": "x", "long": "y" * 500, "none": None}
    columns = records.parse_preference(row, "x.jsonl line 1", 100)["columns"]
    assert columns == {"harm_category": "violence", "score": "3", "ok": "true", "long": "y" * 200}
    many = records.metadata_of({f"c{i}": i for i in range(50)}, set())
    assert len(many) == records.MAX_COLUMNS


def test_jsonl_writes_are_atomic_and_canonical(tmp_path):
    path = records.write_jsonl(tmp_path / "rows.jsonl", [{"b": "ü", "a": 1}])
    assert path.read_bytes() == json.dumps({"b": "ü", "a": 1}, ensure_ascii=False).encode() + b"\n"
    assert not (tmp_path / "rows.jsonl.partial").exists()


@pytest.mark.parametrize("turns, message", [
    ([], "1 to 64 turns"),
    ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "last turn must be the user's"),
    ([{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief"}], "system only first"),
    ([{"role": "user", "content": "  "}], "content must be text"),
    ([{"role": "tool", "content": "x"}], "role must be user or assistant"),
    ("Hi", "1 to 64 turns"),
])
def test_a_chat_conversation_is_checked_turn_by_turn(turns, message):
    with pytest.raises(UserError, match=message):
        records.conversation(turns)
