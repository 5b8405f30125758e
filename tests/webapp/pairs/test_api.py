"""The pairs, reviews and datasets API: the pages' filters, cursor, visibility and services."""

import json

import pytest
from django.test import Client, override_settings

from webapp.datasets.export import launch_export, write
from webapp.datasets.models import Dataset
from webapp.feedback.models import Judgment
from webapp.jobs.models import Job
from webapp.pairs import selectors
from webapp.pairs.models import Review
from webapp.pairs.services import submit


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def walk(client, query=""):
    """Every pair id the API serves, page after page, and the pages' keys."""
    ids, keys, url = [], set(), f"/api/pairs?{query}"
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.content
        data = response.json()
        ids += [p["id"] for p in data["pairs"]]
        keys |= set(data)
        if not data["next"]:
            return ids, keys
        url = f"/api/pairs?{query}&after={data['next']}"


@pytest.mark.django_db
def test_the_pairs_api_answers_401_to_anonymous_callers(client, make_pair):
    pair = make_pair()
    assert client.get("/api/pairs").status_code == 401
    assert client.get(f"/api/pairs/{pair.pk}").status_code == 401
    assert client.get("/api/pairs/datasets").status_code == 401


@pytest.mark.django_db
def test_a_user_without_a_role_gets_403(client, django_user_model, make_pair):
    make_pair()
    client.force_login(django_user_model.objects.create_user("nobody", password="x-long-password"))
    assert client.get("/api/pairs").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["id", "-margin", "length"])
def test_the_list_pages_by_keyset_cursor_and_never_counts(client_as, make_pair, monkeypatch, sort):
    monkeypatch.setattr(selectors, "PAGE", 2)
    made = [make_pair(margin=m, chosen="c" * n).pk for m, n in [(0.1, 3), (0.5, 1), (0.5, 7), (0.9, 2), (0.2, 5)]]
    ids, keys = walk(client_as("viewer"), f"sort={sort}")
    assert sorted(ids) == sorted(made) and len(ids) == len(set(ids))
    assert keys == {"pairs", "next"}


@pytest.mark.django_db
def test_the_list_serves_snippets_not_whole_texts(client_as, make_pair):
    make_pair(chosen="c" * 1000, prompt="p" * 500)
    row = client_as("viewer").get("/api/pairs").json()["pairs"][0]
    assert len(row["chosen_snippet"]) == selectors.SNIPPET and len(row["prompt_snippet"]) == selectors.SNIPPET
    assert "chosen" not in row and "prompt" not in row


@pytest.mark.django_db
def test_the_list_keeps_exactly_the_pairs_the_filter_matches(client_as, make_pair):
    low, tie = make_pair(margin=0.1), make_pair(margin=0.0, tie=True)
    make_pair(margin=0.9, principle="honest", method="salmon")
    client = client_as("viewer")
    assert walk(client, "margin_max=0.2")[0] == [low.pk, tie.pk]
    assert walk(client, "margin_max=0.2&ties=no&sort=-margin")[0] == [low.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query, message", [
    ("margin_min=abc", "margin_min must be a number"), ("run=-4", "run must be positive"),
    ("sort=evil", "sort must be one of"), ("ties=maybe", "ties must be yes, no"),
    ("after=zz_qq&sort=margin", "cursor is malformed"),
])
def test_a_bad_filter_answers_400_with_the_pages_message(client_as, make_pair, query, message):
    make_pair()
    response = client_as("viewer").get(f"/api/pairs?{query}")
    assert response.status_code == 400
    assert any(message in e for e in response.json()["errors"]), response.json()


@pytest.mark.django_db
def test_pairs_under_a_private_constitution_are_hidden_from_others(client_as, make_pair, pair_run):
    pair_run["version"].constitution.visibility = "private"
    pair_run["version"].constitution.save()
    pair = make_pair()
    client = client_as("viewer")
    assert client.get("/api/pairs").json() == {"pairs": [], "next": None}
    assert client.get(f"/api/pairs/{pair.pk}").status_code == 404
    response = post(client_as("reviewer"), f"/api/pairs/{pair.pk}/review", {"verdict": "agree", "review_version": 0})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_pair_comes_with_its_texts_judgments_and_reviews(client_as, make_pair, make_user, pair_run):
    pair = make_pair(chosen="Steep the tea.", rejected="Boil it.", prompt="How do I make tea?")
    Judgment.objects.create(job=pair_run["job"], prompt=pair.prompt, key="j1", judge_model="m", order=2, p_a=0.25,
                            p_first=0.75, constitution_version=pair_run["version"], principle_key="helpful",
                            rationale="clearer", latency_ms=3)
    submit(make_user("reviewer", "alice"), pair.pk, "tie", 0, comment="both fine")
    data = client_as("viewer").get(f"/api/pairs/{pair.pk}").json()
    assert (data["prompt"], data["chosen"], data["rejected"]) == ("How do I make tea?", "Steep the tea.", "Boil it.")
    assert [(j["principle"], j["order"], j["p_first"], j["rationale"]) for j in data["judgments"]] == [
        ("helpful", 2, 0.75, "clearer")]
    assert [(r["reviewer"], r["verdict"], r["comment"]) for r in data["reviews"]] == [("alice", "tie", "both fine")]
    assert data["review_version"] == 1 and data["constitution_version"]["number"] == 1


@pytest.mark.django_db
def test_a_review_is_saved_and_moves_the_pairs_version(client_as, make_pair):
    pair = make_pair()
    response = post(client_as("reviewer"), f"/api/pairs/{pair.pk}/review",
                    {"verdict": "flip", "review_version": 0, "comment": "B is clearer"})
    assert response.status_code == 200, response.content
    assert response.json()["pair"] == {"id": pair.pk, "human_verdict": "flip", "review_count": 1, "review_version": 1}
    assert response.json()["review"]["reviewer"] == "reviewer-user"
    assert Review.objects.get(pair=pair).comment == "B is clearer"


@pytest.mark.django_db
def test_a_stale_review_version_answers_409_with_both_reviews(client, make_pair, make_user):
    pair = make_pair()
    submit(make_user("reviewer", "alice"), pair.pk, "tie", 0, comment="both fine")
    client.force_login(make_user("reviewer", "bob"))
    with override_settings(REVIEW_OVERLAP=2):
        response = post(client, f"/api/pairs/{pair.pk}/review",
                        {"verdict": "flip", "review_version": 0, "comment": "mine"})
    data = response.json()
    assert response.status_code == 409 and "someone reviewed this pair after you opened it" in data["detail"]
    assert [(r["reviewer"], r["comment"]) for r in data["reviews"]] == [("alice", "both fine")]
    assert data["yours"]["comment"] == "mine" and data["pair"]["review_version"] == 1
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_a_viewer_cannot_review(client_as, make_pair):
    pair = make_pair()
    response = post(client_as("viewer"), f"/api/pairs/{pair.pk}/review", {"verdict": "agree", "review_version": 0})
    assert response.status_code == 403 and not Review.objects.exists()


@pytest.mark.django_db
def test_a_malformed_review_answers_400_and_changes_nothing(client_as, make_pair):
    pair = make_pair()
    response = post(client_as("reviewer"), f"/api/pairs/{pair.pk}/review", {"verdict": "flag", "review_version": 0})
    assert response.status_code == 400 and "a flag needs a reason" in response.json()["detail"]
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_reviews_need_a_csrf_token(make_user, make_pair):
    pair = make_pair()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("reviewer"))
    response = post(client, f"/api/pairs/{pair.pk}/review", {"verdict": "agree", "review_version": 0})
    assert response.status_code == 403 and not Review.objects.exists()


@pytest.mark.django_db
def test_datasets_are_listed_and_shown_with_counts_hash_and_download(client_as, make_pair, make_user):
    make_pair(tie=True)
    make_pair()
    operator = make_user("operator")
    written = write(launch_export(operator, "written", {"ties": "no"}), operator)
    pending = launch_export(operator, "pending", {})
    client = client_as("viewer")
    listed = client.get("/api/pairs/datasets").json()
    assert [d["name"] for d in listed] == ["pending", "written"]
    assert client.get(f"/api/pairs/datasets?before={pending.pk}").json()[0]["id"] == written.pk
    data = client.get(f"/api/pairs/datasets/{written.pk}").json()
    assert (data["kind"], data["format"], data["filter"], data["rows"], data["counts"]) == (
        "preference", "jsonl", {"ties": "no"}, 1, {"written": 1})
    assert data["ready"] and data["sha256"] == written.sha256 and data["status"] == "queued"
    assert client.get(data["download_url"]).status_code == 200
    waiting = client.get(f"/api/pairs/datasets/{pending.pk}").json()
    assert not waiting["ready"] and waiting["download_url"] is None and waiting["sha256"] is None


@pytest.mark.django_db
def test_an_operator_launches_an_export_job(client_as, make_pair):
    make_pair()
    response = post(client_as("operator"), "/api/pairs/export",
                    {"name": "api export", "format": "parquet", "keep_ties": True, "filter": {"margin_max": 0.5}})
    assert response.status_code == 200, response.content
    dataset = Dataset.objects.get(name="api export")
    assert response.json()["id"] == dataset.pk and response.json()["status"] == "queued"
    assert dataset.filter == {"margin_max": "0.5"} and dataset.keep_ties and dataset.format == "parquet"
    assert Job.objects.get(pk=dataset.job_id).kind == "export"


@pytest.mark.django_db
@pytest.mark.parametrize("body, message", [
    ({"name": ""}, "the dataset's name: required"),
    ({"name": "x", "filter": {"margin_min": "high"}}, "margin_min must be a number"),
    ({"name": "x", "filter": {"colour": "red"}}, "unknown filter field(s): colour"),
    ({"name": "x", "format": "csv"}, "format must be one of"),
])
def test_a_bad_export_answers_400_and_launches_nothing(client_as, make_pair, body, message):
    make_pair()
    response = post(client_as("operator"), "/api/pairs/export", body)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Dataset.objects.exists() and not Job.objects.filter(kind="export").exists()


@pytest.mark.django_db
def test_a_viewer_cannot_launch_an_export(client_as, make_pair):
    make_pair()
    assert post(client_as("viewer"), "/api/pairs/export", {"name": "mine"}).status_code == 403
    assert not Dataset.objects.exists()


@pytest.mark.django_db
def test_the_endpoints_are_in_the_api_docs(client_as):
    paths = client_as("viewer").get("/api/openapi.json").json()["paths"]
    assert {"/api/pairs", "/api/pairs/{pk}", "/api/pairs/{pk}/review", "/api/pairs/datasets",
            "/api/pairs/datasets/{pk}", "/api/pairs/export"} <= set(paths)
    assert "margin_min" in [p["name"] for p in paths["/api/pairs"]["get"]["parameters"]]
