"""Launching prompt synthesis: a new prompt set, filled by a job, self-instruct style."""

from __future__ import annotations

from dataclasses import asdict, fields

from django.db import transaction

from alignment.errors import UserError
from alignment.models import resolve_model
from alignment.synthesis import SynthesisConfig
from webapp.jobs import services as jobs
from webapp.prompts.models import PromptSet

CONFIG_FIELDS = [f.name for f in fields(SynthesisConfig) if f.name not in ("seeds", "output")]


def launch_synthesis(user, source: PromptSet, name: str, params: dict, queue: str = "default"):
    """Everything is checked before the job exists; the new set is created with the job, so
    its name is taken at once and a resumed job keeps filling the same set."""
    config = SynthesisConfig(**{k: params[k] for k in CONFIG_FIELDS if k in params})
    config.validate()
    resolve_model(config.model)
    name = (name or "").strip()
    if not name:
        raise UserError("a name for the new prompt set is required")
    if not source.prompts.exists():
        raise UserError(f"prompt set {source.name!r} has no prompts to learn from")
    with transaction.atomic():
        if PromptSet.objects.filter(name=name).exists():
            raise UserError(f"a prompt set named {name!r} already exists")
        target = PromptSet.objects.create(
            name=name, source="synthesis",
            description=f"Synthesized from {source.name!r} by {config.model}, self-instruct style "
                        f"({config.shots}-shot, near duplicates at cosine >= {config.similarity_threshold} dropped).")
        snapshot = asdict(config) | {"source_set": source.pk, "source_set_name": source.name, "target_set": target.pk,
                                     "target_set_name": name}
        for key in ("seeds", "output"):
            snapshot.pop(key)
        job = jobs.launch("synthesize_prompts", snapshot, user, queue=queue)
        target.source = f"synthesis job {job.pk}"
        target.save(update_fields=["source"])
    return job
