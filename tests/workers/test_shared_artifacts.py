"""Workers on several machines: each has its own data folder and shares the artifacts folder
(run folders, exports, models). A worker verifies a registered model's SHA-256 before anything
loads it, so a copy that changed or arrived only in part is refused with a clear message."""

import shutil

import pytest

from alignment.model_folders import resolve_model
from tests.conftest import job_status, wait_for
from webapp.jobs import engine
from webapp.jobs.models import Job
from webapp.prompts.services import launch_sampling


@pytest.mark.django_db(transaction=True)
def test_another_machines_worker_loads_a_registered_model_only_while_its_hash_matches(start_worker, small_set, make_user,
                                                                                    tmp_path, settings, monkeypatch):
    shared = tmp_path / "shared"
    model = shared / "models" / "copied-model"
    shutil.copytree(resolve_model("smollm2-135m-instruct"), model)
    settings.ARTIFACTS_DIR, settings.MODELS_DIR = shared, shared / "models"
    monkeypatch.setenv("CHARTER_MODELS_DIR", str(shared / "models"))  # what model names resolve against
    maker = Job.objects.create(kind="train", status="succeeded")
    engine.add_artifact(maker.pk, "model copied-model", model)  # as a training run registers its model
    start_worker(beat=False, env={"CHARTER_DATA_DIR": str(tmp_path / "machine-b"), "CHARTER_ARTIFACTS_DIR": str(shared),
                                  "CHARTER_MODELS_DIR": str(shared / "models")})
    operator = make_user("operator")

    def sample() -> Job:
        job = launch_sampling(operator, small_set, {"model": "copied-model", "n": 1, "max_new_tokens": 4}, limit=1)
        wait_for(lambda: job_status(job.pk) in ("succeeded", "failed"), timeout=180, message=f"job {job.pk}")
        return Job.objects.get(pk=job.pk)

    first = sample()
    assert first.status == "succeeded", first.error
    assert first.artifacts.get(name="inputs").path.startswith(str(shared / "runs"))  # the run folder is shared
    (model / "notes.txt").write_text("added after registration")  # the copy no longer is what was registered
    second = sample()
    assert second.status == "failed" and "does not match its registered SHA-256" in second.error
    assert second.attempts == 1  # refused before loading, not retried
