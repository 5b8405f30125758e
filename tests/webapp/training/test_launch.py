"""Launching training from the browser: what cannot run is refused before a job exists."""

import pytest

from webapp.jobs.models import Job
from webapp.training.models import TrainedModel

TINY = {"max_steps": "2", "batch_size": "2", "max_length": "64"}


def form(dataset, name="my-model", **overrides):
    from dataclasses import fields

    from alignment.training.config import TrainConfig

    data = {f.name: ("on" if f.default is True else "") if isinstance(f.default, bool) else str(f.default)
            for f in fields(TrainConfig) if f.name not in ("dataset", "output", "constitution")}
    data = {k: v for k, v in data.items() if v != ""}
    return {**data, "name": name, "dataset": str(dataset.pk), **TINY, **overrides}


def test_an_operator_launches_a_dpo_run_on_a_pinned_dataset(client_as, dataset):
    d = dataset()
    response = client_as("operator").post("/training/new/", form(d, method="dpo"))
    job = Job.objects.get(kind="train")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.config["dataset"] == d.pk and job.config["dataset_sha256"] == d.sha256
    assert job.config["beta"] == 0.1 and job.config["learning_rate"] == 5e-7  # the method's defaults, resolved
    assert job.queue == "default"


def test_a_gpu_run_goes_to_the_gpu_queue_while_a_gpu_worker_serves_it(client_as, dataset):
    from webapp.core import presence

    presence.announce("gpu-worker-for-this-test", ["gpu"], 1)  # what a live gpu worker says of itself
    try:
        client_as("operator").post("/training/new/", form(dataset(), method="sft", device="gpu"))
    finally:
        presence.withdraw("gpu-worker-for-this-test")
    assert Job.objects.get(kind="train").queue == "gpu"


@pytest.mark.parametrize("overrides, message", [
    ({"method": "dpo", "learning_rate": "3"}, "learning_rate must be between"),
    ({"method": "grpo"}, "grpo needs a reward_model or a reward_judge"),
    ({"method": "grpo", "reward_model": "smollm2-135m-instruct", "batch_size": "2", "num_generations": "2"},
     "is not a reward model"),
    ({"method": "grpo", "reward_model": "rm", "batch_size": "3", "num_generations": "2"}, "must be a multiple"),
    ({"method": "dpo", "model": "no-such-model"}, "not found"),
    ({"method": "dpo", "model": "../etc"}, "may not contain"),
    ({"method": "reward", "instructable": "on"}, "needs the constitution"),
    ({"name": "Bad Name!"}, "letters"),
])
def test_impossible_runs_are_refused_on_the_form_and_no_job_is_made(client_as, dataset, overrides, message):
    response = client_as("operator").post("/training/new/", form(dataset(), **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Job.objects.filter(kind="train").exists()


def test_a_grpo_run_can_be_rewarded_by_a_rubric_judge(client_as, dataset, rubric):
    online = {"method": "grpo", "reward_judge": "smollm2-135m-instruct", "batch_size": "2", "num_generations": "2"}
    response = client_as("operator").post("/training/new/", form(dataset(), constitution_version=str(rubric.pk), **online))
    job = Job.objects.get(kind="train")
    assert response.status_code == 302 and job.config["reward_judge"] == "smollm2-135m-instruct"
    assert job.constitution_version == rubric


def test_a_reward_judge_needs_a_version_with_a_rubric(client_as, dataset, pair_run):
    online = {"method": "grpo", "reward_judge": "smollm2-135m-instruct", "batch_size": "2", "num_generations": "2"}
    client = client_as("operator")
    response = client.post("/training/new/", form(dataset(), constitution_version=str(pair_run["version"].pk), **online))
    assert "has no enabled rubric principle for the reward judge" in response.content.decode()
    assert "reward_judge needs the constitution" in client.post("/training/new/", form(dataset(), **online)).content.decode()
    assert not Job.objects.filter(kind="train").exists()


def test_an_instructable_reward_model_launches_with_its_constitution_version(client_as, dataset, pair_run):
    response = client_as("operator").post("/training/new/", form(
        dataset(), method="reward", instructable="on", constitution_version=str(pair_run["version"].pk)))
    assert response.status_code == 302
    assert Job.objects.get(kind="train").config["instructable"] is True


def test_model_boxes_offer_the_registered_models(client_as):
    TrainedModel.objects.create(name="my-rm", kind="reward", method="reward", base_model="x", path="/nowhere")
    client = client_as("operator")
    for page in ("/training/new/", "/feedback/new/", "/training/evaluate/"):
        text = client.get(page).content.decode()
        assert '<option value="my-rm" label="reward (reward)">' in text and 'list="model-names"' in text, page


def test_a_dataset_that_does_not_fit_the_method_is_refused(client_as, dataset):
    response = client_as("operator").post("/training/new/", form(dataset(kind="sft"), method="dpo"))
    assert "dpo cannot train on sft records" in response.content.decode()
    assert not Job.objects.filter(kind="train").exists()


def test_a_taken_model_name_is_refused(client_as, dataset):
    d = dataset()
    TrainedModel.objects.create(name="taken", kind="policy", method="sft", base_model="x", path="/nowhere")
    response = client_as("operator").post("/training/new/", form(d, name="taken"))
    assert "already exists" in response.content.decode()


def test_reviewers_cannot_launch_training(client_as, dataset):
    assert client_as("reviewer").post("/training/new/", form(dataset())).status_code == 403
    assert not Job.objects.filter(kind="train").exists()


def test_the_preview_shows_the_resolved_config_and_escapes_what_it_echoes(client_as, dataset):
    client = client_as("operator")
    d = dataset()
    text = client.get("/training/preview/", form(d, method="dpo")).content.decode()
    assert "beta: 0.1" in text and "learning_rate: 5.0e-07" in text and f"sha256 {d.sha256[:12]}" in text
    assert "# memory: at least" in text and "reference policy" in text
    bad = client.get("/training/preview/", form(d, method="dpo", model="<script>x</script>")).content.decode()
    assert "<script>x" not in bad and "&lt;script&gt;x" in bad


def test_the_preview_warns_when_a_run_is_too_small_to_move_the_model(client_as, dataset):
    client = client_as("operator")
    d = dataset()  # 8 records
    small = client.get("/training/preview/", form(d, method="dpo", max_steps="4")).content.decode()
    assert 'id="size-warning"' in small and "4 steps at learning rate 5e-07 on 8 records" in small
    enough = client.get("/training/preview/", form(d, method="dpo", max_steps="200", learning_rate="5e-6")).content.decode()
    assert 'id="size-warning"' not in enough


def test_the_compare_page_diffs_configs_and_overlays_shared_metrics(client_as, make_user):
    from webapp.jobs.engine import add_metrics

    a = Job.objects.create(kind="train", config={"name": "a", "method": "dpo", "beta": 0.1})
    b = Job.objects.create(kind="train", config={"name": "b", "method": "dpo", "beta": 0.3})
    for job, loss in ((a, 0.7), (b, 0.6)):
        add_metrics(job.pk, 1, {"memory_mb": 1.0, "entropy": 2.0, "rewards/margins": 0.1, "loss": loss})
    add_metrics(a.pk, 1, {"only_a": 1.0})
    page = client_as("viewer").get(f"/training/compare/?job={a.pk}&job={b.pk}&job=oops").content.decode()
    assert '<tr class="differs"><td><strong>beta</strong>' in page
    assert '"metric": "loss"' in page and "only_a" not in page
    # The method's metrics lead, other metrics follow, bookkeeping comes last.
    order = [page.index(f'"metric": "{m}"') for m in ("loss", "rewards/margins", "entropy", "memory_mb")]
    assert order == sorted(order)
    assert "not a run id" in page


def test_the_training_page_lists_runs_and_registered_models(client_as, dataset):
    d = dataset()
    TrainedModel.objects.create(name="listed-model", kind="reward", method="reward", base_model="smollm2-135m-instruct",
                                dataset=d, dataset_sha256=d.sha256, path="/m")
    page = client_as("viewer").get("/training/").content.decode()
    assert "listed-model" in page and "reward model" in page and d.name in page


def test_a_job_keeps_its_run_folder_and_never_inherits_an_unrelated_jobs_checkpoints(db):
    """Every attempt of a job resumes from the same folder; a job that got the same id after a
    database reset must not resume from the checkpoints the old one left there."""
    from datetime import timedelta

    from webapp.jobs.folders import run_folder as run_dir

    job = Job.objects.create(kind="train", config={})
    assert run_dir(job) == run_dir(Job.objects.get(pk=job.pk))
    assert run_dir(Job(pk=job.pk, kind="train", created_at=job.created_at - timedelta(days=1))) != run_dir(job)
