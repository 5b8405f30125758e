"""Importing prompt sets: JSONL (prompt or chat messages) and CSV; bad files refused whole."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.prompts.models import PromptSet


def upload(client, name, content: bytes, set_name="imported"):
    return client.post("/prompts/import/", {"name": set_name, "description": "",
                                            "file": SimpleUploadedFile(name, content)})


@pytest.mark.django_db
def test_jsonl_with_prompts_or_chat_messages_and_csv_import(client_as):
    client = client_as("operator")
    lines = [{"key": "a", "prompt": "First?"},
             {"id": "b", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "Second?"}]}]
    assert upload(client, "p.jsonl", "\n".join(map(json.dumps, lines)).encode()).status_code == 302
    assert list(PromptSet.objects.get(name="imported").prompts.values_list("key", "text")) == [("a", "First?"), ("b", "Second?")]
    assert upload(client, "p.csv", b"prompt,category\nHello?,greeting\n", "csv set").status_code == 302
    rows = PromptSet.objects.get(name="csv set").prompts.values_list("key", "text", "category")
    assert list(rows) == [("2", "Hello?", "greeting")]
    assert upload(client, "m.jsonl", b'{"prompt": "Hi?", "category": "x", "lang": "en", "score": 2}\n', "meta").status_code == 302
    assert PromptSet.objects.get(name="meta").prompts.get().meta == {"columns": {"lang": "en", "score": "2"}}


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("p.jsonl", b'{"prompt": "ok"}\n{not json\n', "p.jsonl line 2: not valid JSON"),
    ("p.jsonl", b'{"text": "x"}\n', "needs a 'prompt' field or chat 'messages'"),
    ("p.jsonl", b'{"messages": [{"role": "assistant", "content": "x"}]}\n', "has no user message"),
    ("p.jsonl", b'{"key": "a", "prompt": "x"}\n{"key": "a", "prompt": "y"}\n', "duplicate key"),
    ("p.jsonl", b'{"prompt": "   "}\n', "'prompt' is missing or empty"),
    ("p.csv", b"text\nhello\n", "needs a 'prompt' column"),
    ("p.txt", b"hello", "upload a .jsonl or .csv file"),
    ("p.jsonl", b"", "The submitted file is empty"),
    ("p.jsonl", b"\n\n", "no prompts found"),
    ("p.jsonl", b"\xff\xfe", "not UTF-8"),
    ("../../etc/p.jsonl", b'{"prompt": "<script>alert(1)</script>"}\n{"bad', "not valid JSON"),
])
def test_bad_files_are_refused_and_nothing_is_saved(client_as, name, content, message):
    body = upload(client_as("operator"), name, content).content.decode()
    assert message.replace("'", "&#x27;") in body
    assert not PromptSet.objects.exists()


@pytest.mark.django_db
def test_a_viewer_cannot_import(client_as):
    assert upload(client_as("viewer"), "p.jsonl", b'{"prompt": "x"}\n').status_code == 403
    assert not PromptSet.objects.exists()
