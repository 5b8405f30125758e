"""The Self-Rewarding loop from the browser and on a real worker."""

from pathlib import Path

import pytest

from tests.conftest import job_status, wait_for
from webapp.feedback.models import PreferencePair
from webapp.jobs.models import Job, JobMetric
from webapp.training.models import TrainedModel
from webapp.training.services import launch_self_rewarding


def loop_form(version, seeds, name="loop", **overrides):
    return {"name": name, "prompt_set": str(seeds.pk), "constitution_version": str(version.pk), "model": "smollm2-135m-instruct",
            "iterations": "1", "new_prompts": "0", "n": "2", "temperature": "0.7", "top_p": "0.9", "max_new_tokens": "8",
            "judgments_per_response": "1", "judge_max_new_tokens": "8", "score_mode": "forced", "dpo_max_steps": "1",
            "dpo_batch_size": "2", "dpo_learning_rate": "1e-6", "dpo_beta": "0.1", "max_length": "96", "batch_size": "8",
            "seed": "0", "limit": "2", **overrides}


@pytest.mark.parametrize("overrides, message", [
    ({"iterations": "50"}, "iterations must be between 1 and 10"),
    ({"model": "no-such-model"}, "not found"),
    ({"name": "x"}, "letters"),
])
def test_a_loop_that_cannot_run_is_refused_before_a_job_exists(client_as, rubric, small_set, overrides, message):
    response = client_as("operator").post("/training/self-rewarding/", loop_form(rubric, small_set, **overrides))
    assert message in response.content.decode()
    assert not Job.objects.filter(kind="self_reward").exists()


def test_behaviour_needs_both_prompt_sets_and_a_prompt_model_must_exist(client_as, rubric, small_set):
    client = client_as("operator")
    body = client.post("/training/self-rewarding/", loop_form(rubric, small_set, harmful_set=str(small_set.pk))).content
    assert "choose both the harmful and the benign prompt set" in body.decode()
    body = client.post("/training/self-rewarding/", loop_form(rubric, small_set, prompt_model="no-such-writer")).content
    assert "not found" in body.decode() and not Job.objects.filter(kind="self_reward").exists()


def test_a_constitution_without_a_rubric_is_refused(client_as, small_set, pair_run):
    response = client_as("operator").post("/training/self-rewarding/", loop_form(pair_run["version"], small_set))
    assert "has no rubric principle" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_iteration_on_a_worker_registers_m2_with_its_pairs_and_dpo_metrics(worker, rubric, small_set, make_user,
                                                                              model_name, client_as):
    name = model_name("loop")
    model_name(f"{name}-m2")  # cleaned up afterwards too
    job = launch_self_rewarding(make_user("operator"), name, {
        "iterations": 1, "n": 2, "max_new_tokens": 8, "judgments_per_response": 1, "judge_max_new_tokens": 8,
        "score_mode": "forced", "dpo_max_steps": 1, "dpo_batch_size": 2, "max_length": 96},
        small_set, rubric, limit=2)
    wait_for(lambda: job_status(job.pk) in ("succeeded", "failed"), timeout=400, message="the loop")
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    m2 = TrainedModel.objects.get(name=f"{name}-m2")
    assert m2.metrics["iteration"] == 1 and m2.metrics["pairs"] >= 1 and Path(m2.path, "model.safetensors").is_file()
    assert job.result["iterations"][0]["model"] == m2.name
    names = set(JobMetric.objects.filter(job=job).values_list("name", flat=True))
    assert {"loss", "rewards/margins", "loop/pairs", "loop/score_spread"} <= names
    page = client_as("operator").get(f"/jobs/{job.pk}/").content.decode()
    row = page[page.index('id="loop-rows"'):]
    assert "iteration 1" in row and m2.name in row and str(m2.metrics["score_spread"]) in row
    kept = PreferencePair.objects.filter(job=job)  # the iteration's pairs, browsable like any run's
    assert kept.count() == m2.metrics["pairs"] and all(p.key.startswith("iter1-") for p in kept)
    assert all(p.chosen_score > p.rejected_score and p.method == "self_rewarding" for p in kept)
    listing = client_as("viewer").get(f"/pairs/?run={job.pk}").content.decode()
    assert f'href="/pairs/{kept[0].pk}/' in listing and f'href="/pairs/?run={job.pk}"' in row
