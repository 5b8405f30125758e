"""Launching prompt synthesis: bad input is refused before anything is written."""

import pytest

from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet


def form_data(source, **overrides):
    data = dict(source=source.pk, name="more prompts", count=5, model="smollm2-135m-instruct", shots=8,
                generated_shots=2, similarity_threshold=0.9, temperature=0.7, top_p=0.9, max_new_tokens=96, seed=0,
                batch_size=8, queue="default")
    return data | overrides


@pytest.mark.django_db
@pytest.mark.parametrize("overrides, message", [
    ({"name": "tiny"}, "already exists"),
    ({"name": "  "}, "This field is required"),
    ({"model": "no-such-model"}, "not found"),
    ({"model": "acme/never-downloaded"}, "nor in the Hugging Face cache"),
    ({"generated_shots": 9}, "generated_shots must be between 0 and shots"),
    ({"count": 0}, "count must be between 1 and 100000"),
    ({"similarity_threshold": 2}, "similarity_threshold must be greater than 0 and at most 1"),
])
def test_the_form_refuses_bad_input_and_writes_nothing(client_as, small_set, overrides, message):
    response = client_as("operator").post("/prompts/synthesize/", form_data(small_set, **overrides))
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Job.objects.exists()
    assert list(PromptSet.objects.values_list("name", flat=True)) == ["tiny"]


@pytest.mark.django_db
def test_an_empty_seed_set_is_refused(client_as):
    empty = PromptSet.objects.create(name="empty")
    body = client_as("operator").post("/prompts/synthesize/", form_data(empty)).content.decode()
    assert "has no prompts to learn from" in body.replace("&#x27;", "'")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_launch_creates_the_new_set_and_a_job_that_pins_the_settings(client_as, small_set):
    response = client_as("operator").post("/prompts/synthesize/", form_data(small_set))
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    target = PromptSet.objects.get(name="more prompts")
    assert job.kind == "synthesize" and target.source == f"synthesis job {job.pk}"
    assert job.config | {"source_set": small_set.pk, "target_set": target.pk, "count": 5, "shots": 8} == job.config


@pytest.mark.django_db
def test_a_viewer_cannot_launch_synthesis(client_as, small_set):
    response = client_as("viewer").post("/prompts/synthesize/", form_data(small_set))
    assert response.status_code == 403 and not Job.objects.exists()
