"""Workers announce the queues they serve: the gpu queue is offered only while a live worker
serves it, and a job queued where no worker listens says so on its page."""

import pytest

from tests.conftest import wait_for
from webapp.core import presence
from webapp.jobs.models import Job


@pytest.fixture
def no_announcements():
    """Forget announcements left by workers that earlier tests killed (they expire on their own)."""
    conn = presence.client()
    for key in conn.scan_iter(presence.PREFIX + "*"):
        conn.delete(key)


def device_options(page: str) -> str:
    start = page.index('name="device"')
    return page[start:page.index("</select>", start)]


@pytest.mark.django_db
def test_without_a_gpu_worker_gpu_is_not_offered_and_a_queued_job_says_no_worker_serves_it(no_announcements,
                                                                                           client_as):
    client = client_as("operator")
    page = client.get("/training/new/").content.decode()
    assert 'value="gpu"' not in device_options(page) and "no worker serves the gpu queue now" in page
    assert 'value="gpu"' not in client.get("/prompts/sample/").content.decode()
    job = Job.objects.create(kind="check", queue="gpu", status="queued")
    assert 'id="no-worker"' in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_live_worker_announces_its_queues_and_withdraws_when_it_stops(no_announcements, start_worker, client_as):
    worker = start_worker(queues="default,gpu", beat=False, env={"CHARTER_WORKER_GPUS": "2"})
    wait_for(lambda: presence.serves("gpu"), timeout=30, message="the worker's announcement")
    [live] = presence.workers()
    assert live["queues"] == ["default", "gpu"] and live["gpus"] == 2  # what the worker was told it has
    client = client_as("operator")
    assert 'value="gpu"' in device_options(client.get("/training/new/").content.decode())
    job = Job.objects.create(kind="check", queue="gpu", status="queued")  # not enqueued: it stays queued
    assert 'id="no-worker"' not in client.get(f"/jobs/{job.pk}/").content.decode()
    worker.stop()
    assert presence.serves("gpu") is False


@pytest.mark.django_db
def test_the_ray_queue_and_training_on_ray_are_offered_only_while_a_ray_worker_is_alive(no_announcements, client_as):
    client = client_as("operator")
    assert 'value="ray"' not in client.get("/prompts/sample/").content.decode()
    assert 'name="ray"' not in client.get("/training/new/").content.decode()
    presence.announce("ray-worker@test", ["ray"], 0)
    assert 'value="ray"' in client.get("/prompts/sample/").content.decode()
    page = client.get("/training/new/").content.decode()
    assert 'name="ray"' in page and 'value="gpu"' in device_options(page)  # the cluster may have GPUs
