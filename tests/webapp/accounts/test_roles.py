"""Login everywhere; roles enforced on pages and API; CSRF on."""

import json

import pytest
from django.test import Client

from webapp.jobs.models import Job

PAGES = ["/jobs/", "/prompts/", "/api/jobs"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/jobs/", "/prompts/", "/prompts/sample/", "/jobs/1/"])
def test_pages_redirect_anonymous_visitors_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_api_answers_401_to_anonymous_callers(client):
    assert client.get("/api/jobs").status_code == 401


@pytest.mark.django_db
def test_a_user_without_a_role_sees_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x-long-password"))
    assert client.get("/api/jobs").status_code == 403
    assert client.get("/api/prompt-sets").status_code == 403


@pytest.mark.django_db
def test_a_viewer_can_look_but_not_launch(client_as, small_set):
    client = client_as("viewer")
    assert client.get("/jobs/").status_code == 200
    assert client.get("/api/jobs").status_code == 200
    assert client.get("/prompts/sample/").status_code == 403
    response = client.post("/api/jobs/sample", json.dumps({"prompt_set": small_set.pk}), content_type="application/json")
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "editor"])
def test_reviewers_and_editors_cannot_launch_or_cancel_jobs(client_as, role):
    job = Job.objects.create(kind="sample", config={})
    client = client_as(role)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    assert client.post(f"/api/jobs/{job.pk}/cancel").status_code == 403
    assert Job.objects.get(pk=job.pk).status == "queued"


@pytest.mark.django_db(transaction=True)
def test_an_operator_can_launch_through_the_api(client_as, small_set):
    client = client_as("operator")
    response = client.post("/api/jobs/sample", json.dumps({"prompt_set": small_set.pk, "n": 1, "limit": 1}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.config["n"] == 1 and job.created_by.username == "operator-user"


@pytest.mark.django_db
def test_api_writes_need_a_csrf_token(make_user, small_set):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("operator"))
    response = client.post("/api/jobs/sample", json.dumps({"prompt_set": small_set.pk}), content_type="application/json")
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_page_forms_need_a_csrf_token(make_user):
    job = Job.objects.create(kind="sample", config={})
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("operator"))
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    assert Job.objects.get(pk=job.pk).status == "queued"


@pytest.mark.django_db
def test_the_api_docs_need_a_login(client, client_as):
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/openapi.json").status_code == 302
    schema = client_as("viewer").get("/api/openapi.json").json()
    assert "/api/constitutions/{pk}/versions" in schema["paths"]
