"""Inputs that used to cost seconds, minutes or gigabytes are refused or answered cheaply. The
bounds asserted here are loose (a shared machine must not make them flaky); the figures they
guard were measured at tens of milliseconds against 18 s and 1.2 GB before."""

from __future__ import annotations

import io
import json
import time
import tracemalloc

import pytest

from alignment.constitution import ConstitutionError, from_yaml

pytestmark = pytest.mark.django_db
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(7))


def measured(fn):
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, seconds, peak / 2**20


@pytest.fixture
def warm(client_as):
    """A first request pays for loading URL confs, the API and templates: not what is measured."""
    def warmed(role: str):
        client = client_as(role)
        client.get("/api/constitutions")
        client.get("/pairs/")
        return client

    return warmed


def test_a_yaml_alias_bomb_is_refused_at_once(warm):
    assert len(BOMB) < 500
    with pytest.raises(ConstitutionError, match="aliases"):
        from_yaml(BOMB)
    client = warm("editor")
    response, seconds, mb = measured(lambda: client.post(
        "/api/constitutions", json.dumps({"yaml": BOMB}), content_type="application/json"))
    assert response.status_code == 400 and seconds < 5 and mb < 50


def test_a_viewer_is_refused_before_the_body_is_parsed(client_as):
    response, seconds, _ = measured(lambda: client_as("viewer").post(
        "/api/constitutions", json.dumps({"yaml": BOMB}), content_type="application/json"))
    assert response.status_code == 403


def test_a_parquet_file_that_decodes_to_gigabytes_is_refused_cheaply(warm):
    import pyarrow as pa
    import pyarrow.parquet as pq

    turn = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    row = {"prompt": [{"role": "user", "content": "p"}], "chosen": [{"role": "assistant", "content": "x" * 100_000}],
           "rejected": [{"role": "assistant", "content": "r"}]}
    table = pa.concat_tables([pa.Table.from_pylist([row] * 10, schema=pa.schema([(k, turn) for k in row]))] * 1000)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    assert len(buffer.getvalue()) < 10_000  # 10,000 rows of 100 KB: a gigabyte once decoded
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "bomb.parquet"
    client = warm("operator")
    response, seconds, mb = measured(lambda: client.post("/pairs/import/", {"name": "bomb", "source": "human",
                                                                           "file": upload}))
    assert response.status_code == 400 and "decode to more than" in response.content.decode()
    assert seconds < 5 and mb < 400


def test_pathological_markdown_renders_in_well_under_a_second(warm):
    client = warm("viewer")
    response, seconds, _ = measured(lambda: client.post(
        "/constitutions/markdown/", {"text": "[" * 10_000 + "]" * 10_000}))
    assert response.status_code == 200 and seconds < 5


def test_the_word_diff_of_long_responses_stays_cheap(make_pair, warm):
    words = " ".join(["alpha beta gamma delta"] * 5_000)  # 20,000 words a side
    pair = make_pair(chosen=words, rejected=words[::-1])
    client = warm("viewer")
    response, seconds, _ = measured(lambda: client.get(f"/pairs/{pair.pk}/"))
    assert response.status_code == 200 and seconds < 5
