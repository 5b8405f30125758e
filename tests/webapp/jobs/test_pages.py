"""What users see: escaped text, responses on the job page, live state."""

import pytest

from tests.conftest import loaded_addresses, served_here
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet, Response

SCRIPT = "<script>alert('x')</script>"


@pytest.fixture
def job_with_hostile_text(db):
    prompt_set = PromptSet.objects.create(name=f"set {SCRIPT}", description=SCRIPT)
    prompt = Prompt.objects.create(prompt_set=prompt_set, key="k", text=f"prompt {SCRIPT}")
    job = Job.objects.create(kind="sample", config={"note": SCRIPT}, status="succeeded",
                             log=f"log {SCRIPT}", error=f"error {SCRIPT}")
    Response.objects.create(job=job, prompt=prompt, sample_index=0, text=f"response {SCRIPT}", model="m",
                            temperature=0.7, top_p=0.9, max_new_tokens=8, seed=1, finish_reason="stop",
                            completion_tokens=3)
    return job, prompt_set


@pytest.mark.django_db
def test_script_in_prompts_responses_logs_and_config_stays_inert(client_as, job_with_hostile_text):
    job, prompt_set = job_with_hostile_text
    client = client_as("viewer")
    for url in [f"/jobs/{job.pk}/", "/jobs/", "/prompts/", f"/prompts/{prompt_set.pk}/", f"/jobs/{job.pk}/?partial=responses"]:
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in client.get(f"/jobs/{job.pk}/").content.decode()


@pytest.mark.django_db
def test_the_job_page_shows_the_responses_it_sampled(client_as, job_with_hostile_text):
    job, _ = job_with_hostile_text
    body = client_as("viewer").get(f"/jobs/{job.pk}/").content.decode()
    assert "response &lt;script&gt;" in body and "Responses" in body


@pytest.mark.django_db
def test_the_state_endpoint_reports_progress_and_eta(client_as):
    from django.utils import timezone

    job = Job.objects.create(kind="sample", config={}, status="running", progress_done=5,
                             progress_total=10, started_at=timezone.now() - timezone.timedelta(seconds=50))
    state = client_as("viewer").get(f"/jobs/{job.pk}/state/").json()
    assert state["percent"] == 50.0
    assert 45 <= state["eta_seconds"] <= 55


@pytest.mark.django_db
def test_plotly_is_served_locally(client_as):
    job = Job.objects.create(kind="sample", config={})
    client = client_as("viewer")
    body = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<script src="/static/vendor/plotly/plotly.min.js">' in body
    assert all(served_here(address) for address in loaded_addresses(body)), loaded_addresses(body)
    response = client.get("/static/vendor/plotly/plotly.min.js")
    assert response.status_code == 200


@pytest.mark.django_db
def test_prompt_set_pages_paginate_by_key_without_repeats(client_as):
    prompt_set = PromptSet.objects.create(name="big")
    Prompt.objects.bulk_create([Prompt(prompt_set=prompt_set, key=f"k{i:03d}", text=f"text {i}") for i in range(120)])
    client = client_as("viewer")
    seen, url = [], f"/prompts/{prompt_set.pk}/"
    while url:
        response = client.get(url)
        seen += [p.key for p in response.context["prompts"]]
        after = response.context["next_after"]
        url = f"/prompts/{prompt_set.pk}/?after={after}" if after else None
    assert seen == [f"k{i:03d}" for i in range(120)]
