"""Launching an AI-feedback run: everything is checked before the job exists."""

from __future__ import annotations

from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import can_view
from webapp.core.model_names import check_model, lineage
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.prompts.models import PromptSet


def launch_feedback(user, prompt_set: PromptSet, version: ConstitutionVersion, choices: dict, limit: int | None = None,
                    queue: str = "default") -> Job:
    if not can_view(user, version.constitution):
        raise UserError("you cannot use that constitution")
    config = FeedbackConfig.from_choices(choices)
    config.check(version.document())  # a constitution without the principles the method needs fails here
    models = check_model(user, config.policy_model), check_model(user, config.judge_model)
    if not prompt_set.prompts.exists():
        raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
    if limit is not None and limit < 1:
        raise UserError("limit must be at least 1")
    snapshot = config.choices() | {"prompt_set": prompt_set.pk, "prompt_set_name": prompt_set.name, "limit": limit,
                                   "constitution_version": version.pk,
                                   "constitution": f"{version.name} v{version.number}"}
    return jobs.launch("feedback", snapshot, user, queue=queue, constitution_version=version,
                       derived_from=lineage(*models))
