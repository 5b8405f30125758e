"""Training over the REST API: the same checks as the form, JSON in and out."""

import json

from webapp.jobs.models import Job
from webapp.training.models import TrainedModel


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_launches_a_run_with_the_methods_defaults_resolved(client_as, dataset):
    d = dataset()
    client = client_as("operator")
    preview = post(client, "/api/training/preview", {"name": "api-model", "dataset": d.pk, "config": {"method": "dpo"}})
    assert preview.status_code == 200 and "beta: 0.1" in preview.json()["yaml"]
    response = post(client, "/api/training/runs", {"name": "api-model", "dataset": d.pk,
                                                   "config": {"method": "dpo", "max_steps": 2}})
    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["job"])
    assert job.kind == "train" and job.config["beta"] == 0.1 and job.config["max_steps"] == 2


def test_the_api_refuses_bad_runs_with_a_message_and_viewers_with_403(client_as, dataset):
    d = dataset()
    client = client_as("operator")
    bad = post(client, "/api/training/runs", {"name": "bad-lr", "dataset": d.pk, "config": {"learning_rate": 9}})
    assert bad.status_code == 400 and "learning_rate must be between" in bad.json()["detail"]
    missing = post(client, "/api/training/runs", {"name": "bad-set", "dataset": 999999, "config": {}})
    assert missing.status_code == 400 and "999999" in missing.json()["detail"]
    viewer = post(client_as("viewer"), "/api/training/runs", {"name": "viewer-run", "dataset": d.pk, "config": {}})
    assert viewer.status_code == 403
    assert not Job.objects.filter(kind="train").exists()


def test_the_registry_is_listed_over_the_api(client_as):
    TrainedModel.objects.create(name="api-listed", kind="reward", method="reward", base_model="b", path="/p")
    rows = client_as("viewer").get("/api/training/models").json()
    assert [(r["name"], r["kind"]) for r in rows] == [("api-listed", "reward")]


def test_the_api_shards_an_evaluation_and_sends_training_to_the_ray_queue(client_as, dataset, small_set):
    d = dataset()
    client = client_as("operator")
    harmful = post(client, "/api/training/evaluations", {"config": {"kind": "behaviour"}, "prompt_set": small_set.pk,
                                                         "benign_set": small_set.pk, "shards": 2, "queue": "ray"})
    assert harmful.status_code == 201
    parent = Job.objects.get(pk=harmful.json()["job"])
    assert parent.shards.count() == 2 and {s.queue for s in parent.shards.all()} == {"ray"}
    assert post(client, "/api/training/evaluations", {"config": {"kind": "behaviour"}, "prompt_set": small_set.pk,
                                                      "benign_set": small_set.pk, "queue": "moon"}).status_code == 400
    too_many = post(client, "/api/training/evaluations", {"config": {"kind": "behaviour"}, "prompt_set": small_set.pk,
                                                          "benign_set": small_set.pk, "shards": 5})
    assert too_many.status_code == 400 and "5 shards for 4 prompts" in too_many.json()["detail"]
    run = post(client, "/api/training/runs", {"name": "on-ray", "dataset": d.pk, "config": {"max_steps": 2}, "ray": True})
    assert run.status_code == 201 and run.json()["queue"] == "ray"
