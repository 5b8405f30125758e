"""Launching feedback runs: on a prompt set (the policy samples, the judge labels), or on given
pairs (the judge labels an imported set's, an earlier run's or a dataset's pairs as they are)."""

from __future__ import annotations

from typing import Any

from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import can_view
from webapp.core.model_names import check_model, lineage
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.jobs.selectors import visible_jobs
from webapp.prompts.models import PromptSet
from webapp.prompts.services import pick

PAIR_KINDS = ("import", "feedback", "self_reward")  # the runs whose pairs a judge can label


def pair_sources(user):
    """The finished runs with pairs this user may see: imported sets first, newest first."""
    return visible_jobs(user).filter(kind__in=PAIR_KINDS, status=Job.Status.SUCCEEDED, parent__isnull=True) \
        .order_by("kind", "-id") \
        .exclude(result__pairs=0)


def launch_feedback(user, prompt_set: PromptSet | None, version: ConstitutionVersion, choices: dict,
                    limit: int | None = None, queue: str = "default", pairs_from: Job | None = None,
                    dataset: Any = None, review_guidelines: str = "", offset: int = 0,
                    sample_seed: int | None = None, shards: int = 1) -> Job:
    """Sample responses to a prompt set and label them; or label given pairs as they are: those
    of `pairs_from` (an import or a run) or of `dataset` (a preference Dataset the caller may
    see). The new pairs point at the ones they judged."""
    if not can_view(user, version.constitution):
        raise UserError("you cannot use that constitution")
    if sum(x is not None for x in (prompt_set, pairs_from, dataset)) != 1:
        raise UserError("choose one source: a prompt set to sample from, or a run, imported set or dataset whose "
                        "pairs the judge labels")
    given = prompt_set is None
    config = FeedbackConfig.from_choices(choices, pairs="given" if given else "")
    config.check(version.document())  # a constitution without the principles the method needs fails here
    models = [check_model(user, config.judge_model)] + ([] if given else [check_model(user, config.policy_model)])
    chosen = pick(limit, offset, sample_seed)
    if given and (chosen["offset"] or sample_seed is not None):
        raise UserError("offset and a random sample choose prompts of a prompt set; given pairs take only a limit")
    derived = lineage(*models)
    if pairs_from is not None:
        if not pair_sources(user).filter(pk=pairs_from.pk).exists():
            raise UserError(f"run {pairs_from.pk} is not a finished run or imported set with pairs you may see")
        source = {"pairs_from": pairs_from.pk, "pairs_from_name": pairs_from.config.get("name") or f"run {pairs_from.pk}"}
        derived |= versions_of(pairs_from)
    elif dataset is not None:
        if dataset.kind != "preference" or not dataset.ready:
            raise UserError(f"dataset {dataset.name!r} is not a finished set of preference pairs")
        source = {"pairs_dataset": dataset.pk, "pairs_from_name": dataset.name}
        derived |= versions_of(dataset.job) if dataset.job else set()
    else:
        assert prompt_set is not None
        if not prompt_set.prompts.exists():
            raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
        source = {"prompt_set": prompt_set.pk, "prompt_set_name": prompt_set.name}
    if len(review_guidelines) > 20_000:
        raise UserError("review guidelines: at most 20000 characters")
    snapshot = config.choices() | source | chosen | {"constitution_version": version.pk,
                                            "constitution": f"{version.name} v{version.number}"} | (
        {"review_guidelines": review_guidelines} if review_guidelines.strip() else {})
    if shards > 1:  # split across workers: each shard judges every shards-th prompt or pair
        return jobs.launch_sharded("feedback", snapshot, user, shards, queue=queue, constitution_version=version,
                                   derived_from=derived)
    return jobs.launch("feedback", snapshot, user, queue=queue, constitution_version=version, derived_from=derived)


def versions_of(job: Job) -> set[int]:
    """What a run derives from, so that what is judged from it is hidden exactly where it is."""
    return set(job.derived_from.values_list("pk", flat=True)) | (
        {job.constitution_version_id} if job.constitution_version_id else set())
