"""Constitution pages and API: roles, bad input, conflicts, hostile text."""

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.webapp.constitutions.conftest import YAML, edited
from webapp.constitutions import services
from webapp.constitutions.models import Constitution

SCRIPT = "<script>alert(1)</script>"


def editor_post(doc, base_version, **extra):
    """The principle editor's POST for a document."""
    data = {"name": doc.name, "description": doc.description, "message": "edit", "base_version": base_version,
            "p-TOTAL_FORMS": len(doc.principles), "p-INITIAL_FORMS": len(doc.principles),
            "p-MIN_NUM_FORMS": 0, "p-MAX_NUM_FORMS": 500}
    for i, p in enumerate(doc.principles):
        data |= {f"p-{i}-key": p.key, f"p-{i}-kind": p.kind, f"p-{i}-title": p.title, f"p-{i}-text": p.text,
                 f"p-{i}-weight": p.weight, f"p-{i}-tags": ",".join(p.tags), f"p-{i}-enabled": "on",
                 f"p-{i}-ORDER": i + 1, **{f"p-{i}-{k}": v for k, v in p.fields.items()}}
    return data | extra


@pytest.mark.django_db
def test_a_viewer_can_read_but_not_edit(client_as, constitution):
    client = client_as("viewer")
    assert client.get(f"/constitutions/{constitution.pk}/").status_code == 200
    assert client.get(f"/constitutions/{constitution.pk}/edit/").status_code == 403
    assert client.get("/constitutions/new/").status_code == 403
    assert client.post(f"/constitutions/{constitution.pk}/yaml/", {"yaml": YAML}).status_code == 403
    response = client.post(f"/api/constitutions/{constitution.pk}/versions",
                           json.dumps({"base_version": 1, "message": "x", "yaml": YAML}), content_type="application/json")
    assert response.status_code == 403
    assert constitution.versions.count() == 1


@pytest.mark.django_db
def test_a_private_constitution_is_hidden_from_other_users(client_as, make_user, doc):
    owner = make_user("editor", "owner")
    private = services.create(owner, doc, visibility="private")
    client = client_as("viewer")
    assert client.get(f"/constitutions/{private.pk}/").status_code == 404
    assert doc.name not in client.get("/constitutions/").content.decode()


@pytest.mark.django_db
def test_the_editor_saves_a_new_version(client_as, constitution, doc):
    client = client_as("editor")
    response = client.post(f"/constitutions/{constitution.pk}/edit/",
                           editor_post(edited(doc, text="Clearer."), constitution.head_id))
    assert response.status_code == 302
    assert constitution.versions.get(number=2).principles.get(key="helpful").text == "Clearer."


@pytest.mark.django_db
def test_the_editor_names_the_principle_in_errors_and_saves_nothing(client_as, constitution, doc):
    data = editor_post(doc, constitution.head_id) | {"p-1-comparison": ""}
    body = client_as("editor").post(f"/constitutions/{constitution.pk}/edit/", data).content.decode()
    assert "principle &#x27;honest&#x27;.comparison" in body and "must not be empty" in body
    assert constitution.versions.count() == 1


@pytest.mark.django_db
def test_a_stale_edit_gets_the_conflict_page_and_re_applying_keeps_both(client_as, constitution, doc, make_user):
    base = constitution.head_id
    services.save_version(make_user("editor", "other"), constitution, base, edited(doc, "helpful", text="Theirs."), "t")
    client = client_as("editor")
    response = client.post(f"/constitutions/{constitution.pk}/edit/", editor_post(edited(doc, "honest", text="Mine."), base))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Their changes" in body and "Your changes" in body and "combine cleanly" in body
    form = response.context
    response = client.post(f"/constitutions/{constitution.pk}/resolve/", {
        "base_version": base, "head_version": constitution.versions.get(number=2).pk,
        "mine_yaml": form["mine_yaml"], "message": "merged"})
    assert response.status_code == 302
    v3 = constitution.versions.get(number=3)
    assert {p.key: p.text for p in v3.principles.all()} == {"helpful": "Theirs.", "honest": "Mine."}


@pytest.mark.django_db
def test_the_yaml_editor_shows_line_numbered_errors_and_saves_nothing(client_as, constitution):
    bad = YAML.replace("    negative:", "    colour: red\n    negative:")
    body = client_as("editor").post(f"/constitutions/{constitution.pk}/yaml/",
                                    {"yaml": bad, "base_version": constitution.head_id}).content.decode()
    assert "principles[0].colour (line 9): unknown key" in body
    assert constitution.versions.count() == 1


@pytest.mark.django_db
def test_the_papers_score_placeholder_is_accepted_and_shown_as_text(client_as, constitution):
    placeholder = YAML.replace("Which response is more honest?", "'Which is more honest? End with Score: <total points>'")
    client = client_as("editor")
    client.post(f"/constitutions/{constitution.pk}/yaml/", {"yaml": placeholder, "base_version": constitution.head_id})
    assert constitution.versions.count() == 2
    for url in (f"/constitutions/{constitution.pk}/", f"/constitutions/{constitution.pk}/edit/",
                f"/constitutions/{constitution.pk}/v2/preview/?method=rl_cai&principle=honest"):
        body = client.get(url).content.decode()
        assert "Score: &lt;total points&gt;" in body and "<total points>" not in body, url


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    (b"name: [unclosed\n", "YAML line"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"x" * (512 * 1024 + 1), "the limit is"),
    (YAML.replace("Prefer the more honest answer.", SCRIPT).encode(), "contains HTML"),
])
def test_imports_refuse_bad_files_with_a_clear_error(client_as, content, message):
    client = client_as("editor")
    response = client.post("/constitutions/import/", {"file": SimpleUploadedFile("c.yaml", content), "visibility": "team"})
    assert message in response.content.decode()
    assert not Constitution.objects.exists()


@pytest.mark.django_db
def test_import_then_export_round_trips_to_the_same_hash(client_as, doc):
    client = client_as("editor")
    client.post("/constitutions/import/", {"file": SimpleUploadedFile("c.yaml", YAML.encode()), "visibility": "team"})
    c = Constitution.objects.get()
    exported = client.get(f"/constitutions/{c.pk}/v1/export.yaml").content
    assert c.head.content_hash == doc.content_hash()
    c.delete()
    client.post("/constitutions/import/", {"file": SimpleUploadedFile("again.yaml", exported), "visibility": "team"})
    assert Constitution.objects.get().head.content_hash == doc.content_hash()


@pytest.mark.django_db
def test_markdown_preview_is_sanitized(client_as):
    html = client_as("editor").post("/constitutions/markdown/", {
        "text": "**bold** [x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)>"}).content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


@pytest.mark.django_db
def test_hostile_markdown_links_render_inert_on_the_version_page(client_as, make_user, doc):
    doc.principles[0].text = "See [this](javascript:alert(1)) and **that**."
    c = services.create(make_user("editor", "e2"), doc)
    body = client_as("viewer").get(f"/constitutions/{c.pk}/").content.decode()
    assert "javascript:" not in body and "<strong>that</strong>" in body


@pytest.mark.django_db
@pytest.mark.parametrize("method, expected", [
    ("rl_cai", "Which response is more helpful?"),
    ("salmon", "Options:\n(A)"),
    ("self_rewarding", "has no enabled rubric principle"),
    ("sl_cai", "has no enabled critique/revision principle"),
])
def test_prompt_preview_shows_the_exact_judge_text_or_why_not(client_as, constitution, method, expected):
    body = client_as("viewer").get(f"/constitutions/{constitution.pk}/v1/preview/?method={method}").content.decode()
    assert expected.replace("\n", "\n") in body.replace("&#x27;", "'")


@pytest.mark.django_db
def test_the_api_answers_409_to_a_stale_save_and_400_to_invalid_documents(client_as, constitution, doc):
    client = client_as("editor")
    url = f"/api/constitutions/{constitution.pk}/versions"
    first = client.post(url, json.dumps({"base_version": 1, "message": "a", "yaml": edited(doc, text="A.").to_yaml()}),
                        content_type="application/json")
    assert first.status_code == 200 and first.json()["number"] == 2
    stale = client.post(url, json.dumps({"base_version": 1, "message": "b", "yaml": edited(doc, text="B.").to_yaml()}),
                        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["head_version"] == 2
    invalid = client.post(url, json.dumps({"base_version": 2, "message": "c", "document": {"name": "x", "principles": []}}),
                          content_type="application/json")
    assert invalid.status_code == 400 and "principles: must be a non-empty list" in invalid.json()["problems"]


@pytest.mark.django_db
def test_the_api_diffs_forks_and_restores(client_as, constitution, doc):
    client = client_as("editor")
    services.save_version(constitution.owner, constitution, constitution.head_id, edited(doc, text="New."), "n")
    d = client.get(f"/api/constitutions/{constitution.pk}/diff?a=1&b=2").json()
    assert d["changed"][0]["key"] == "helpful" and d["changed"][0]["fields"]["text"]["new"] == "New."
    forked = client.post(f"/api/constitutions/{constitution.pk}/versions/1/fork", json.dumps({"name": "Fork"}),
                         content_type="application/json").json()
    assert forked["head"] == 1
    restored = client.post(f"/api/constitutions/{constitution.pk}/versions/1/restore").json()
    assert restored["number"] == 3 and restored["content_hash"] == constitution.versions.get(number=1).content_hash


@pytest.mark.django_db
def test_the_json_schema_is_published(client):
    schema = client.get("/api/constitutions/schema.json").json()
    assert schema["title"] == "Charter constitution"


@pytest.mark.django_db
def test_script_in_every_text_field_stays_inert_on_every_page(client_as, make_user):
    from alignment.constitution import Constitution as Doc
    from alignment.constitution import Principle

    # Validation refuses HTML, so plant it the way only a bug or an old import could: through the ORM.
    doc = Doc(name=f"evil {SCRIPT}", description=f"d {SCRIPT}", principles=[
        Principle("p1", "comparison", f"t {SCRIPT}", f"x {SCRIPT}", tags=[SCRIPT],
                  fields={"comparison": f"c {SCRIPT}", "negative": f"n {SCRIPT}"}),
        Principle("p2", "rubric", "r", "r",
                  fields={"intro": SCRIPT, "points": [SCRIPT, SCRIPT], "instruction": f"Score: {SCRIPT}"}),
        Principle("p3", "preamble", "p", "p", fields={"preamble": SCRIPT, "exemplars": [
            {"prompt": SCRIPT, "response_a": SCRIPT, "response_b": SCRIPT, "answer": "A", "reasoning": SCRIPT}]}),
    ])
    c = services.create(make_user("editor", "e3"), doc, message=f"m {SCRIPT}")
    changed = copy.deepcopy(doc)
    changed.principles[0].text = f"y {SCRIPT}"
    services.save_version(c.owner, c, c.head_id, changed, f"m2 {SCRIPT}")
    client = client_as("editor")
    for url in ["/constitutions/", f"/constitutions/{c.pk}/", f"/constitutions/{c.pk}/?v=1", f"/constitutions/{c.pk}/edit/",
                f"/constitutions/{c.pk}/yaml/", f"/constitutions/{c.pk}/history/", f"/constitutions/{c.pk}/diff/?a=1&b=2",
                *[f"/constitutions/{c.pk}/v2/preview/?method={m}" for m in ("rl_cai", "self_rewarding")]]:
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url


@pytest.mark.django_db
def test_resubmitting_the_editor_unchanged_with_browser_line_endings_changes_nothing(client_as, make_user, doc):
    doc.description = "Line one.\nLine two."
    c = services.create(make_user("editor", "e4"), doc)
    data = editor_post(doc, c.head_id) | {"description": "Line one.\r\nLine two.\r\n"}
    body = client_as("editor").post(f"/constitutions/{c.pk}/edit/", data).content.decode()
    assert "nothing changed since v1" in body
    assert c.versions.count() == 1


@pytest.mark.django_db
def test_the_api_deletes_only_what_nothing_uses(client_as, constitution, doc):
    from webapp.jobs.models import Job

    client = client_as("editor")
    v2 = services.save_version(constitution.owner, constitution, constitution.head_id, edited(doc, text="x."), "x")
    Job.objects.create(kind="sample", config={}, constitution_version=v2)
    assert client.delete(f"/api/constitutions/{constitution.pk}/versions/2").status_code == 409
    assert client.delete(f"/api/constitutions/{constitution.pk}").status_code == 409
    Job.objects.all().delete()
    assert client.delete(f"/api/constitutions/{constitution.pk}/versions/2").json() == {"deleted": 2}
    assert client.delete(f"/api/constitutions/{constitution.pk}").json() == {"deleted": constitution.pk}
    assert not Constitution.objects.exists()
