"""Launching a feedback run: bad input is refused before a job exists."""

import pytest

from alignment.constitution import from_yaml
from webapp.constitutions import services as constitutions
from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet

COMPARISON = """\
name: Pairwise rules
principles:
  - key: helpful
    kind: comparison
    title: Helpful
    text: Prefer the more helpful answer.
    comparison: Which response is more helpful?
"""


@pytest.fixture
def version(make_user):
    return constitutions.create(make_user("editor", "author"), from_yaml(COMPARISON)).head


def form(prompt_set, version, **overrides):
    data = dict(prompt_set=prompt_set.pk, constitution_version=version.pk, method="rl_cai",
                policy_model="smollm2-135m-instruct", judge_model="smollm2-135m-instruct", n=0, temperature=0.7,
                top_p=0.9, max_new_tokens=16, seed=0, batch_size=4, principles_per_pair=1,
                cot_max_new_tokens=16, judgments_per_response=3, judge_max_new_tokens=32, rounds=1, queue="default",
                limit=2)
    return data | overrides


@pytest.mark.django_db
@pytest.mark.parametrize("overrides, message", [
    ({"method": "self_rewarding"}, "no enabled rubric principle"),
    ({"method": "sl_cai"}, "no enabled critique/revision principle"),
    ({"n": 3}, "exactly 2 responses"),
    ({"principles_per_pair": 2}, "principles_per_pair must be between 1 and 1"),
    ({"judge_model": "missing-judge"}, "not found"),
])
def test_the_form_refuses_what_the_run_could_not_do(client_as, small_set, version, overrides, message):
    body = client_as("operator").post("/feedback/new/", form(small_set, version, **overrides)).content.decode()
    assert message in body.replace("&#x27;", "'")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_an_empty_prompt_set_is_refused(client_as, version):
    empty = PromptSet.objects.create(name="empty")
    body = client_as("operator").post("/feedback/new/", form(empty, version)).content.decode()
    assert "has no prompts" in body and not Job.objects.exists()


@pytest.mark.django_db
def test_a_viewer_cannot_launch(client_as, small_set, version):
    client = client_as("viewer")
    assert client.get("/feedback/new/").status_code == 403
    assert client.post("/feedback/new/", form(small_set, version)).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_launched_run_is_pinned_to_its_version_which_then_cannot_be_deleted(client_as, small_set, version):
    response = client_as("operator").post("/feedback/new/", form(small_set, version, review_guidelines="Be *kind*."))
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.constitution_version == version and job.config["method"] == "rl_cai"
    assert job.config["review_guidelines"] == "Be *kind*."  # shown beside each of its pairs
    assert constitutions.where_used(version)["jobs"] == [job]
    with pytest.raises(constitutions.InUse):
        constitutions.delete_constitution(version.constitution.owner, version.constitution)


@pytest.mark.django_db
def test_the_inline_preview_shows_the_sets_first_prompt_inert_and_names_a_missing_kind(client_as, version):
    from webapp.prompts.models import Prompt

    hostile = PromptSet.objects.create(name="hostile")
    Prompt.objects.create(prompt_set=hostile, key="x", text="<script>alert(1)</script> What is tea?")
    client = client_as("operator")
    body = client.get("/feedback/preview/", {"constitution_version": version.pk, "method": "rl_cai",
                                            "prompt_set": hostile.pk}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; What is tea?" in body and "<script>" not in body
    assert "Which response is more helpful?" in body
    body = client.get("/feedback/preview/", {"constitution_version": version.pk, "method": "self_rewarding"}).content.decode()
    assert "no enabled rubric principle" in body
