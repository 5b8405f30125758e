"""Prompt synthesis, self-instruct style: launching it (a new prompt set, filled by a job) and
storing what its child keeps."""

from __future__ import annotations

from django.db import transaction

from alignment.errors import UserError
from alignment.names import check_name
from alignment.synthesis import SynthesisConfig
from webapp.core.model_names import check_model, lineage
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet


def launch_synthesis(user, source: PromptSet, name: str, choices: dict, queue: str = "default") -> Job:
    """Everything is checked before the job exists; the new set is created with the job, so
    its name is taken at once and a resumed job keeps filling the same set."""
    config = SynthesisConfig.from_choices(choices)
    model = check_model(user, config.model)
    name = check_name(name, "the new prompt set's name")
    if not source.prompts.exists():
        raise UserError(f"prompt set {source.name!r} has no prompts to learn from")
    with transaction.atomic():
        if PromptSet.objects.filter(name=name).exists():
            raise UserError(f"a prompt set named {name!r} already exists")
        target = PromptSet.objects.create(
            name=name, source="synthesis",
            description=f"Synthesized from {source.name!r} by {config.model}, self-instruct style "
                        f"({config.shots}-shot, near duplicates at cosine >= {config.similarity_threshold} dropped).")
        snapshot = config.choices() | {"source_set": source.pk, "source_set_name": source.name, "target_set": target.pk,
                                       "target_set_name": name}
        job = jobs.launch("synthesize", snapshot, user, queue=queue, derived_from=lineage(model))
        target.source = f"synthesis job {job.pk}"
        target.save(update_fields=["source"])
    return job


def seed_rows(job: Job):
    """The seed prompts, then the prompts earlier attempts kept (marked, so a resumed run
    continues their numbering and never writes a near duplicate of them)."""
    for p in Prompt.objects.filter(prompt_set_id=job.config["source_set"]).order_by("id").iterator():
        yield {"key": p.key, "prompt": p.text}
    for p in kept(job).iterator():
        yield {"key": p.key, "prompt": p.text, "synthesized": True}


def kept(job: Job):
    return Prompt.objects.filter(prompt_set_id=job.config["target_set"]).order_by("key")


def ingest(job: Job, event: dict) -> None:
    if event["event"] == "records":
        Prompt.objects.bulk_create([
            Prompt(prompt_set_id=job.config["target_set"], key=r["key"], text=r["prompt"], category=r["category"],
                   meta={"model": r["model"], "nearest_key": r["nearest_key"],
                         "nearest_similarity": r["nearest_similarity"], "job": job.pk})
            for r in event["items"]
        ], ignore_conflicts=True)
