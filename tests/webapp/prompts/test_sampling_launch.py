"""Bad input to the sampling launch is refused before any job exists."""

import json

import pytest

from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet


def form_data(prompt_set, **overrides):
    data = dict(prompt_set=prompt_set.pk, model="smollm2-135m-instruct", n=2, temperature=0.7, top_p=0.9,
                max_new_tokens=16, seed=0, batch_size=4, queue="default", limit="")
    return data | overrides


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"model": "no-such-model"}, "not found"),
        ({"model": "../../etc"}, "may not contain"),
        ({"model": "/etc"}, "outside the model folders"),
        ({"model": "/tmp/../etc"}, "may not contain"),
        ({"n": 0}, "n must be between 1 and 64"),
        ({"temperature": -1}, "temperature must be between 0 and 5"),
        ({"max_new_tokens": 100000}, "max_new_tokens must be between 1 and 8192"),
        ({"queue": "moon"}, "Select a valid choice"),
    ],
)
def test_the_form_refuses_bad_input_and_creates_no_job(client_as, small_set, overrides, message):
    response = client_as("operator").post("/prompts/sample/", form_data(small_set, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_empty_prompt_set_is_refused(client_as):
    empty = PromptSet.objects.create(name="empty")
    response = client_as("operator").post("/prompts/sample/", form_data(empty))
    assert "has no prompts" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_model_folder_with_pickled_weights_only_is_refused(client_as, small_set, tmp_path, settings):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04")
    response = client_as("operator").post("/prompts/sample/", form_data(small_set, model=str(folder)))
    assert "no safetensors weights" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_api_reports_bad_input_as_400(client_as, small_set):
    response = client_as("operator").post(
        "/api/jobs/sample", json.dumps({"prompt_set": small_set.pk, "top_p": 0}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "top_p" in response.json()["detail"]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_api_rejects_a_malformed_body(client_as):
    response = client_as("operator").post("/api/jobs/sample", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not Job.objects.exists()
