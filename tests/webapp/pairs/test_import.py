"""Importing external preference data: formats, the export -> import round trip, bad files."""

import io
import json

import pytest

from webapp.datasets.export import dataset_path, launch_export, write
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job
from webapp.pairs.importing import import_pairs

TRL_COLUMNS = ("prompt", "chosen", "rejected", "tie", "soft_label", "margin")


def upload(client, name, content, source="human", set_name="imported"):
    f = io.BytesIO(content)
    f.name = name
    return client.post("/pairs/import/", {"name": set_name, "source": source, "file": f})


def trl_columns(dataset):
    return [{k: r[k] for k in TRL_COLUMNS} for r in map(json.loads, dataset_path(dataset).read_text().splitlines())]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_export_then_import_gives_back_identical_records(make_pair, make_user, pair_run, fmt):
    operator = make_user("operator")
    make_pair(chosen="Ünïcode\nanswer", rejected="Plain.", margin=0.25)
    make_pair(tie=True, margin=0.0)
    original = {"run": str(pair_run["job"].pk)}
    exported = write(launch_export(operator, "out", original, keep_ties=True, format=fmt), operator)
    job = import_pairs(operator, "back", "human", f"out.{fmt}", dataset_path(exported).read_bytes())
    before = write(launch_export(operator, "before", original, keep_ties=True), operator)
    after = write(launch_export(operator, "after", {"run": str(job.pk)}, keep_ties=True), operator)
    assert trl_columns(after) == trl_columns(before) and len(trl_columns(after)) == 2
    assert set(PreferencePair.objects.filter(job=job).values_list("method", flat=True)) == {"human"}


@pytest.mark.django_db
def test_plain_text_records_import_and_show_up_in_the_list(client_as, make_user):
    client = client_as("operator")
    rows = [{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."},
            {"prompt": "Capital of France?", "chosen": "It is Paris.", "rejected": "Nice.", "tie": True}]
    response = upload(client, "labels.jsonl", "\n".join(map(json.dumps, rows)).encode())
    job = Job.objects.get(kind="import")
    assert response.status_code == 302 and response["Location"] == f"/pairs/?run={job.pk}"
    pairs = list(PreferencePair.objects.filter(job=job).order_by("key"))
    assert [(p.chosen, p.rejected, p.tie, p.soft_label, p.constitution_version_id) for p in pairs] == [
        ("Paris.", "Lyon.", False, 1.0, None), ("It is Paris.", "Nice.", True, 1.0, None)]
    assert pairs[0].prompt_id == pairs[1].prompt_id  # one prompt row per distinct prompt
    body = client.get(f"/pairs/{pairs[0].pk}/").content.decode()
    assert "none (imported)" in body and "labels.jsonl" in body
    assert client.get(f"/jobs/{job.pk}/").status_code == 200 and client.get("/jobs/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("x.jsonl", b'{"prompt": "p", "chosen": "c"}', "line 1: 'rejected' is missing or empty"),
    ("x.jsonl", b'{"prompt": "p", "chosen": "c", "rejected": "r"}\nnot json', "line 2: not valid JSON"),
    ("x.jsonl", b'{"prompt": "p", "chosen": "c", "rejected": "r", "soft_label": 3}', "'soft_label' must be a number"),
    ("x.jsonl", b'{"messages": [{"role": "assistant", "content": "a"}], "chosen": "c", "rejected": "r"}',
     "'prompt' has no user message"),
    ("x.jsonl", b"", "no pairs found"),
    ("x.csv", b"prompt,chosen,rejected\n", "upload a .jsonl or .parquet file"),
    ("x.parquet", b"PAR1 not really", "not a readable Parquet file"),
    ("x.jsonl", b"\xff\xfe", "not UTF-8"),
])
def test_malformed_files_are_refused_with_the_line_and_write_nothing(client_as, name, content, message):
    response = upload(client_as("operator"), name, content)
    assert response.status_code == 400 and message in response.content.decode().replace("&#x27;", "'")
    assert not PreferencePair.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_an_oversized_file_is_refused(client_as, settings, monkeypatch):
    from webapp.pairs import importing, views

    monkeypatch.setattr(importing, "MAX_BYTES", 100)
    monkeypatch.setattr(views, "MAX_BYTES", 100)
    response = upload(client_as("operator"), "big.jsonl", b'{"prompt": "p", "chosen": "c", "rejected": "r"}\n' * 10)
    assert response.status_code == 400 and "the limit is 100" in response.content.decode()
    assert not PreferencePair.objects.exists()


@pytest.mark.django_db
def test_a_path_in_the_file_name_is_only_a_label(client_as, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    upload(client_as("operator"), "../../../../tmp/evil.jsonl", b'{"prompt": "p", "chosen": "c", "rejected": "r"}')
    job = Job.objects.get(kind="import")
    assert job.config["filename"] == "evil.jsonl"  # Django keeps the base name of an upload
    assert not any(tmp_path.iterdir())  # nothing was written anywhere for it


@pytest.mark.django_db
def test_a_viewer_cannot_import(client_as):
    response = upload(client_as("viewer"), "x.jsonl", b'{"prompt": "p", "chosen": "c", "rejected": "r"}')
    assert response.status_code == 403 and not Job.objects.exists()


@pytest.mark.django_db
def test_imported_columns_are_kept_on_the_prompt_and_filter_the_pairs_list(client_as):
    client = client_as("operator")
    rows = [{"prompt": "How do I pick a lock?", "chosen": "I can't help.", "rejected": "Use a pin.",
             "category": "crime", "source": "forum"},
            {"prompt": "Name a fruit.", "chosen": "Apple.", "rejected": "No.", "category": "benign", "source": "quiz"}]
    upload(client, "meta.jsonl", "\n".join(map(json.dumps, rows)).encode())
    crime = PreferencePair.objects.get(chosen="I can't help.")
    assert (crime.prompt.category, crime.prompt.meta["columns"]["source"]) == ("crime", "forum")
    listing = client.get("/pairs/?category=crime").content.decode()
    assert f'href="/pairs/{crime.pk}/' in listing and "Apple." not in listing and "<option selected>crime</option>" in listing
    by_column = client.get("/pairs/?column=source&value=quiz").content.decode()
    assert "Apple." in by_column and "I can&#x27;t help." not in by_column
    assert "column must be an imported column" in client.get("/pairs/?column=a__b&value=x").content.decode()
