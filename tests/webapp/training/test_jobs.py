"""Training jobs on a real Celery worker: metrics stream into the job, the model is registered
and usable by later runs, cancel stops the trainer, a killed worker's run resumes."""

import re
from pathlib import Path

import pytest

from alignment.model_folders import resolve_model
from tests.conftest import job_status, wait_for
from webapp.jobs import services
from webapp.jobs.models import Job, JobMetric
from webapp.training.models import TrainedModel
from webapp.training.services import launch_training

pytestmark = pytest.mark.django_db(transaction=True)
TERMINAL = ("succeeded", "failed", "cancelled")
TINY = {"max_steps": 2, "batch_size": 2, "max_length": 64, "save_steps": 100}


def finished(job_id, timeout=300):
    wait_for(lambda: job_status(job_id) in TERMINAL, timeout=timeout, message=f"job {job_id} to finish")
    return Job.objects.get(pk=job_id)


def test_a_dpo_run_streams_its_metrics_and_registers_a_usable_model(worker, dataset, model_name, make_user, client_as):
    d, name = dataset(), model_name("dpo")
    job = launch_training(make_user("operator"), name, {"method": "dpo", "tracking": "tensorboard", **TINY}, d)
    job = finished(job.pk)
    assert job.status == "succeeded", job.error
    names = set(JobMetric.objects.filter(job=job).values_list("name", flat=True))
    assert {"loss", "rewards/margins", "rewards/accuracies", "learning_rate", "memory_mb"} <= names
    assert sorted(set(JobMetric.objects.filter(job=job, name="loss").values_list("step", flat=True))) == [1, 2]
    assert job.progress_done == job.progress_total == 2
    model = TrainedModel.objects.get(job=job)
    assert (model.name, model.kind, model.method) == (name, "policy", "dpo")
    assert (model.dataset_id, model.dataset_sha256) == (d.pk, d.sha256)
    assert model.metrics["global_step"] == 2 and "rewards/margins" in model.metrics["last"]
    assert resolve_model(name) == Path(model.path)  # a later run can pick it by name
    assert (Path(model.path) / "model.safetensors").is_file()
    logs = Path(job.result["tracking"]["tensorboard"]["path"])  # also written where TRL users look
    assert list(logs.glob("events.out.tfevents.*"))
    page = client_as("viewer").get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="tracking"' in page and f"tensorboard --logdir {logs}" in page


def trainer_children(worker):
    import psutil

    parent = psutil.Process(worker.proc.pid)
    return [p for p in parent.children(recursive=True) if "train" in " ".join(p.cmdline())]


def test_cancel_stops_a_training_run_and_its_trainer(worker, dataset, model_name, make_user):
    job = launch_training(make_user("operator"), model_name("cancel"),
                          {"method": "sft", **TINY, "max_steps": 500}, dataset())
    wait_for(lambda: JobMetric.objects.filter(job_id=job.pk).exists(), timeout=180, message="the first step")
    services.cancel(Job.objects.get(pk=job.pk))
    job = finished(job.pk, timeout=30)
    assert job.status == "cancelled"
    wait_for(lambda: not trainer_children(worker), timeout=10, message="the trainer to be killed")
    assert not TrainedModel.objects.filter(job=job).exists()


def test_a_killed_worker_run_resumes_from_its_checkpoint_on_another_worker(start_worker, dataset, model_name, make_user):
    first = start_worker(beat=False)
    job = launch_training(make_user("operator"), model_name("resume"),
                          {"method": "sft", **TINY, "max_steps": 8, "save_steps": 2, "learning_rate": 1e-4},
                          dataset())
    wait_for(lambda: "checkpoint at step 2" in Job.objects.get(pk=job.pk).log, timeout=240, message="checkpoint 2")
    first.kill9()  # after checkpoint 2, most often before checkpoint 4, and long before step 8
    start_worker()  # a second worker, with the reaper's schedule
    job = finished(job.pk, timeout=300)
    assert job.status == "succeeded", job.error
    assert job.attempts == 2
    resumed = job.result["resumed_from"]
    assert re.search(r"checkpoint-[246]$", resumed) and f"resuming from {resumed}" in job.log, (resumed, job.log)
    steps = list(JobMetric.objects.filter(job=job, name="loss").order_by("step").values_list("step", flat=True))
    assert steps == list(range(1, 9))  # each step once: none repeated, none lost
    assert job.result["global_step"] == 8


def rank_processes(worker, rank: str):
    import psutil

    found = []
    for p in psutil.Process(worker.proc.pid).children(recursive=True):
        try:
            if p.environ().get("RANK") == rank and "alignment" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.Error:
            continue
    return found


@pytest.mark.distributed
def test_a_two_process_run_reports_once_per_step_and_a_killed_rank_fails_the_attempt_then_resumes(
        worker, dataset, model_name, make_user):
    job = launch_training(make_user("operator"), model_name("ddp"),
                          {"method": "sft", **TINY, "processes": 2, "device": "cpu", "max_steps": 12, "save_steps": 1,
                           "learning_rate": 1e-4}, dataset())
    wait_for(lambda: "checkpoint at step 1" in Job.objects.get(pk=job.pk).log and rank_processes(worker, "1"),
             timeout=300, message="both ranks past their first checkpoint")
    for p in rank_processes(worker, "1"):
        p.kill()  # one rank dies: the whole attempt must fail visibly, then resume
    job = finished(job.pk, timeout=600)
    assert job.status == "succeeded", job.error
    assert job.attempts == 2 and "child process" in job.log and "resuming from" in job.log
    steps = list(JobMetric.objects.filter(job=job, name="loss").order_by("step").values_list("step", flat=True))
    assert steps == list(range(1, 13))  # rank 0 alone reports: once a step, none lost
    assert (Path(TrainedModel.objects.get(job=job).path) / "model.safetensors").is_file()
    assert not rank_processes(worker, "0") and not rank_processes(worker, "1")
