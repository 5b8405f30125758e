"""Jobs on a Ray cluster: a worker of the "ray" queue submits each job's child to the cluster
CHARTER_RAY_ADDRESS names, streams its events back into the job, maps Cancel to stopping the Ray
job and reports a failure with the log tail. Tested against a local single-node cluster with two
CPUs (two jobs at once) that this module starts, with its own ports and folder."""

import asyncio
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import job_status, wait_for
from webapp.jobs import services
from webapp.jobs.models import Job, JobMetric
from webapp.prompts.models import Response
from webapp.prompts.services import launch_sampling
from webapp.training.models import TrainedModel
from webapp.training.services import launch_training

pytestmark = [pytest.mark.ray, pytest.mark.django_db(transaction=True)]
TINY = {"max_steps": 2, "batch_size": 2, "max_length": 64, "save_steps": 100}


@pytest.fixture(scope="module")
def ray_cluster():
    from workers.ray_jobs import local_cluster

    with local_cluster(cpus=2) as address:
        yield address


@pytest.fixture
def ray_worker(start_worker, ray_cluster):
    return start_worker(queues="ray", beat=False, env={"CHARTER_RAY_ADDRESS": ray_cluster})


def ray_jobs(address: str, job: Job) -> list:
    from ray.job_submission import JobSubmissionClient

    return [d for d in JobSubmissionClient(address).list_jobs() if (d.metadata or {}).get("charter_job") == str(job.pk)]


def finished(job_id: int, timeout: float = 300) -> Job:
    wait_for(lambda: job_status(job_id) in ("succeeded", "failed", "cancelled"), timeout=timeout,
             message=f"job {job_id} to end")
    return Job.objects.get(pk=job_id)


def test_each_shard_of_a_sampling_run_on_the_ray_queue_runs_as_a_ray_job(ray_worker, ray_cluster, small_set,
                                                                        make_user):
    parent = launch_sampling(make_user("operator"), small_set, {"n": 1, "max_new_tokens": 4}, queue="ray", shards=2)
    parent = finished(parent.pk)
    assert parent.status == "succeeded", parent.error
    for shard in parent.shards.all():
        [ran] = ray_jobs(ray_cluster, shard)
        assert ran.status == "SUCCEEDED" and f"as {ran.submission_id}" in shard.log
    assert Response.objects.filter(job=parent).count() == 4  # each prompt once, from the two shards together


def test_a_training_run_on_ray_streams_one_metric_per_step_and_registers_its_model(ray_worker, ray_cluster, dataset,
                                                                                  model_name, make_user):
    job = launch_training(make_user("operator"), model_name("on-ray"), {"method": "sft", **TINY}, dataset(), ray=True)
    assert job.queue == "ray"
    job = finished(job.pk)
    assert job.status == "succeeded", job.error
    assert list(JobMetric.objects.filter(job=job, name="loss").order_by("step").values_list("step", flat=True)) == [1, 2]
    assert (Path(TrainedModel.objects.get(job=job).path) / "model.safetensors").is_file()
    [ran] = ray_jobs(ray_cluster, job)
    assert ran.status == "SUCCEEDED" and "-m alignment train --events" in ran.entrypoint


def test_cancelling_a_job_on_ray_stops_its_ray_job(ray_worker, ray_cluster, dataset, model_name, make_user):
    job = launch_training(make_user("operator"), model_name("ray-cancel"), {"method": "sft", **TINY, "max_steps": 500},
                          dataset(), ray=True)
    wait_for(lambda: JobMetric.objects.filter(job_id=job.pk).exists(), timeout=240, message="the first step on Ray")
    services.cancel(Job.objects.get(pk=job.pk))
    assert finished(job.pk, timeout=60).status == "cancelled"
    wait_for(lambda: [d.status for d in ray_jobs(ray_cluster, job)] == ["STOPPED"], timeout=30,
             message="the Ray job to stop")
    assert not TrainedModel.objects.filter(job=job).exists()


def test_a_killed_workers_ray_job_is_stopped_before_the_retry_resumes_on_ray(start_worker, ray_cluster, dataset,
                                                                             model_name, make_user):
    on_ray = {"CHARTER_RAY_ADDRESS": ray_cluster}
    first = start_worker(queues="ray", beat=False, env=on_ray)
    job = launch_training(make_user("operator"), model_name("ray-resume"),
                          {"method": "sft", **TINY, "max_steps": 500, "save_steps": 4}, dataset(), ray=True)
    wait_for(lambda: "checkpoint at step 4" in Job.objects.get(pk=job.pk).log, timeout=300, message="checkpoint 4")
    first.kill9()  # its Ray job trains on with nobody reading it
    start_worker(queues="default,ray", env=on_ray | {"CHARTER_JOB_STALE_SECONDS": "4"})  # its reaper re-queues the job
    def resumed_and_saved() -> bool:
        log = Job.objects.get(pk=job.pk).log
        return "resuming from" in log and "checkpoint at step" in log.split("resuming from")[-1]

    wait_for(resumed_and_saved, timeout=300, message="the retry to resume and save a checkpoint")
    by_attempt = {d.submission_id.split("-")[4]: d.status for d in ray_jobs(ray_cluster, job)}
    assert by_attempt == {"1": "STOPPED", "2": "RUNNING"}  # the orphan was stopped first: never two at once
    services.cancel(Job.objects.get(pk=job.pk))
    assert finished(job.pk, timeout=60).status == "cancelled"


def test_a_ray_job_that_fails_fails_the_attempt_with_rays_reason_and_the_log_tail(ray_cluster, transactional_db,
                                                                                  settings):
    from webapp.jobs import engine
    from workers.runner import WORKER_NAME, ChildCrashed, JobContext

    settings.RAY_ADDRESS = ray_cluster
    job = Job.objects.create(kind="check", queue="ray")
    ctx = JobContext(job, engine.claim(job.pk, WORKER_NAME))
    ctx.job.refresh_from_db()
    script = "import sys; print('the data was not where it should be', file=sys.stderr); sys.exit(3)"
    raised: list[BaseException] = []

    async def with_a_loop_running() -> None:  # the calling thread may run an event loop (Playwright's does)
        try:
            ctx.run_child([sys.executable, "-c", script], lambda event: None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's assertions
            raised.append(exc)

    thread = threading.Thread(target=asyncio.run, args=(with_a_loop_running(),))
    thread.start()
    thread.join(timeout=300)
    [failure] = raised
    assert isinstance(failure, ChildCrashed)
    message = str(failure)
    assert "exit code 3" in message and "the data was not where it should be" in message
    assert "(Ray job charter-job-" in message


def test_a_ray_cluster_that_cannot_be_reached_is_a_transient_fault(settings):
    from alignment.errors import TransientError
    from alignment.training.launch import free_port
    from workers.ray_jobs import RayChild

    settings.RAY_ADDRESS = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(TransientError, match="did not take the job"):
        RayChild(1, 1, [sys.executable, "-c", "pass"], "/", None)


def test_a_ray_job_asks_the_cluster_for_a_gpu_per_training_process_on_gpu_else_a_core_each(settings):
    from alignment.sampling import SampleConfig
    from alignment.training.config import TrainConfig
    from workers.ray_jobs import resources

    settings.RAY_JOB_GPUS = 1
    assert resources(TrainConfig(method="dpo", processes=2, device="gpu")) == (1, 2)
    assert resources(TrainConfig(method="dpo", processes=2, device="cpu")) == (2, 0)
    assert resources(SampleConfig()) == (1, 1)  # other kinds: a core and CHARTER_RAY_JOB_GPUS
