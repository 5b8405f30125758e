"""The playground on a real worker: two answers side by side, a continued conversation, and an
exchange kept as a prompt or as a human-labelled pair; bad input never makes a job."""

import pytest

from tests.conftest import job_status, wait_for
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt

SETTINGS = {"model": "smollm2-135m-instruct", "temperature": "0.9", "top_p": "0.9", "max_new_tokens": "12",
            "seed": "0", "queue": "default"}


def finished(job_id: int) -> Job:
    wait_for(lambda: job_status(job_id) in ("succeeded", "failed"), timeout=180, message=f"chat {job_id}")
    return Job.objects.get(pk=job_id)


@pytest.mark.django_db(transaction=True)
def test_two_samples_side_by_side_are_kept_as_a_prompt_and_a_pair_and_the_chat_continues(worker, client_as):
    client = client_as("operator")
    response = client.post("/playground/", SETTINGS | {"other_model": "smollm2-135m-instruct", "message": "Name a fruit.",
                                                       "system": "Answer briefly."})
    job = Job.objects.get(kind="chat")
    assert response["Location"] == f"/playground/{job.pk}/"
    job = finished(job.pk)
    assert job.status == "succeeded", job.error
    first, second = job.result["replies"]
    assert first["text"] != second["text"]  # the same model twice draws two samples
    page = client.get(f"/playground/{job.pk}/").content.decode()
    assert 'data-done="1"' in page and "Answer briefly." in page and 'id="prefer-1"' in page
    client.post(f"/playground/{job.pk}/keep/", {"what": "prompt"})
    assert Prompt.objects.get(prompt_set__name="Playground prompts").text == "Name a fruit."
    client.post(f"/playground/{job.pk}/keep/", {"what": "pair", "better": "1"})
    pair = PreferencePair.objects.get(job__config__name="Playground pairs")
    assert (pair.chosen, pair.rejected, pair.method) == (second["text"], first["text"], "human")
    client.post("/playground/", SETTINGS | {"message": "And a vegetable?", "after": str(job.pk)})
    follow = Job.objects.filter(kind="chat").latest("id")
    assert [t["role"] for t in follow.config["conversation"]] == ["system", "user", "assistant", "user"]
    assert follow.config["conversation"][2]["content"] == first["text"]


@pytest.mark.django_db
@pytest.mark.parametrize("overrides, message", [
    ({"message": ""}, "This field is required"),
    ({"message": "Hi", "model": "no-such-model"}, "not found"),
    ({"message": "Hi", "temperature": "9"}, "temperature must be between"),
    ({"message": "x" * 20_001}, "at most 20000 characters"),
])
def test_bad_input_is_refused_on_the_form_and_makes_no_job(client_as, overrides, message):
    body = client_as("operator").post("/playground/", SETTINGS | overrides).content.decode()
    assert message in body.replace("&#x27;", "'") and not Job.objects.filter(kind="chat").exists()


@pytest.mark.django_db
def test_the_playground_needs_the_operator_role(client_as):
    assert client_as("viewer").get("/playground/").status_code == 403
