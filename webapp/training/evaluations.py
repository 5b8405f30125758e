"""Launching evaluations and recording their results; the leaderboard's reads."""

from __future__ import annotations

import itertools
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from alignment import redteam
from alignment.errors import UserError
from alignment.evaluation import EvalConfig
from webapp.constitutions.visibility import can_view
from webapp.core.model_names import check_model, lineage
from webapp.datasets.selectors import check_dataset
from webapp.datasets.selectors import lineage as dataset_lineage
from webapp.jobs import services as jobs
from webapp.jobs.selectors import visible_jobs
from webapp.prompts.services import pick
from webapp.training.models import Evaluation
from webapp.training.selectors import visible_models
from webapp.training.services import check_reward_model

HEADLINE = {"win_rate": "win_rate", "behaviour": "refusal_rate"}  # the score each kind ranks by; else accuracy


def launch_evaluation(user, choices: dict, constitution_version=None, prompt_set=None, dataset=None,
                      limit: int | None = None, benign_set=None, offset: int = 0, sample_seed: int | None = None,
                      shards: int = 1, queue: str = "default"):
    """Check and launch an evaluation (as `shards` jobs any workers pick up, each taking every
    shards-th prompt or pair, when shards > 1); its Evaluation row is the one (parent) job's."""
    config = EvalConfig.from_choices(choices)
    version = constitution_version
    benign = None
    if config.kind == "behaviour":
        if prompt_set is None or benign_set is None:
            raise UserError("behaviour needs a red-team prompt set (harmful requests) and a benign prompt set")
        for chosen_set in (prompt_set, benign_set):
            if not chosen_set.prompts.exists():
                raise UserError(f"prompt set {chosen_set.name!r} has no prompts")
        models = [check_model(user, config.model)]
        version, dataset, benign = None, None, benign_set
    elif config.kind == "win_rate":
        if version is None or prompt_set is None:
            raise UserError("a win rate needs held-out prompts and the constitution version the judge uses")
        if not can_view(user, version.constitution):
            raise UserError("you cannot use that constitution")
        known = {p.key for p in version.document().of_kind("comparison")}
        if not known:
            raise UserError(f"{version.name} v{version.number} has no comparison principle for the judge")
        unknown = sorted({k.strip() for k in config.principles.split(",") if k.strip()} - known)
        if unknown:
            raise UserError(f"not comparison principles of that version: {', '.join(unknown)}")
        if not prompt_set.prompts.exists():
            raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
        models = [check_model(user, name) for name in (config.model, config.baseline, config.judge)]
        dataset = None
    else:
        check_dataset(user, dataset)
        if dataset is None or not dataset.ready or dataset.kind != "preference":
            raise UserError(f"{config.kind} needs a ready preference dataset of held-out pairs (e.g. an imported "
                            f"human-labeled set)")
        models = [check_reward_model(user, config.model)]
        if config.kind == "controllability" or (version is not None and config.principles.strip()):
            if version is None or not can_view(user, version.constitution):
                raise UserError("an instructable reward model is steered by a constitution version's principles: "
                                "choose the version")
            known = {p.key for p in version.document().of_kind("comparison", enabled_only=False)}
            named = {k.strip().lstrip("+~") for k in config.principles.split(",") if k.strip()}
            if named - known:
                raise UserError(f"not comparison principles of that version: {', '.join(sorted(named - known))}")
        else:
            version = None
        prompt_set = None
    snapshot = config.choices() | {"constitution_version": version.pk if version else None,
                                   "prompt_set": prompt_set.pk if prompt_set else None,
                                   "dataset": dataset.pk if dataset else None} | pick(limit, offset, sample_seed) | (
        {"benign_set": benign.pk, "benign_set_name": benign.name} if benign else {})
    if shards > 1:  # every shard needs something to evaluate
        available = (dataset.rows or 0) if dataset is not None else max(prompt_set.prompts.count() - offset, 0)
        items = min(limit or available, available)
        if shards > items:
            raise UserError(f"{shards} shards for {items} {'pairs' if dataset is not None else 'prompts'}: at most one "
                            f"shard per item")
    derived = dataset_lineage(dataset) | lineage(*models)
    with transaction.atomic():
        if shards > 1:
            job = jobs.launch_sharded("evaluate", snapshot, user, shards, queue=queue, constitution_version=version,
                                      derived_from=derived)
        else:
            job = jobs.launch("evaluate", snapshot, user, queue=queue, constitution_version=version, derived_from=derived)
        Evaluation.objects.create(kind=config.kind, model=config.model, baseline=config.baseline if version else "",
                                  judge=config.judge if version else "", constitution_version=version,
                                  principles=config.principles, prompt_set=prompt_set, dataset=dataset,
                                  config=snapshot, job=job, created_by=user)
    return job


def behaviour_preset() -> dict:
    """Form values for a behaviour evaluation: a shipped red-team set and the shipped benign set."""
    from webapp.prompts.models import PromptSet

    shipped = PromptSet.objects.filter(shipped=True).order_by("id")
    return {"kind": "behaviour", "prompt_set": shipped.filter(source__in=redteam.SOURCES).first(),
            "benign_set": shipped.exclude(source__in=redteam.SOURCES).first()}


def harmlessness_preset(versions) -> dict:
    """Form values for a harmlessness comparison: a shipped red-team prompt set, judged under the
    newest visible version with a `harmlessness` comparison principle."""
    from webapp.prompts.models import PromptSet

    red_team = PromptSet.objects.filter(shipped=True, source__in=redteam.SOURCES).order_by("id").first()
    version = next((v for v in versions.order_by("-created_at")[:100]
                    if any(p.key == "harmlessness" for p in v.document().of_kind("comparison"))), None)
    return {"kind": "win_rate", "principles": "harmlessness", "prompt_set": red_team, "constitution_version": version}


class Ingest:
    """An evaluation's events: per-item results, then the summary (a win rate or an accuracy,
    with its interval), recorded on the Evaluation row when the run ends."""

    def __init__(self, job) -> None:
        self.job, self.items, self.summary = job, list[dict](), dict[str, Any]()

    def __call__(self, event: dict) -> None:
        if event["event"] == "records":
            self.items.extend(event["items"])
        elif event["event"] == "summary":
            self.summary.update({k: v for k, v in event.items() if k != "event"})

    def finish(self) -> dict:
        """The job's result: a shard keeps its items for the merge (merge_shards); a whole run
        records them on its Evaluation row."""
        if self.job.parent_id:
            return {"items": self.items, **self.summary}
        return {"evaluation": record_result(self.job, self.items, self.summary).pk, **self.summary}


def record_result(job, items: list[dict], summary: dict) -> Evaluation:
    score = summary[HEADLINE.get(job.config["kind"], "accuracy")]
    Evaluation.objects.filter(job=job).update(score=score["value"], ci_low=score["low"], ci_high=score["high"],
                                              n=score["n"], result=summary, items=items)
    return Evaluation.objects.get(job=job)


def merge_shards(parent) -> dict:
    """A sharded evaluation's result once every shard has succeeded: the shards' per-item results
    interleaved back, and the summary computed over all of them (a rate's interval is not an
    average of the shards' intervals)."""
    from alignment.evaluation import summarize

    per_shard = [r.get("items", []) for r in parent.shards.order_by("shard").values_list("result", flat=True)]
    items = [item for row in itertools.zip_longest(*per_shard) for item in row if item is not None]
    summary = summarize(EvalConfig.from_snapshot(parent.config), items)
    return {"evaluation": record_result(parent, items, summary).pk, **summary}


def visible_evaluations(user) -> QuerySet[Evaluation]:
    """Evaluations whose job this user may see (it derives from the version, the dataset and the
    models it evaluated)."""
    return Evaluation.objects.filter(Q(job__isnull=True) | Q(job__in=visible_jobs(user)))


def measure_of(row: Evaluation) -> tuple:
    """What an evaluation measures: rows with the same measure are comparable, no others."""
    return (row.kind, row.principles, row.judge, row.baseline if row.kind == "win_rate" else "",
            row.constitution_version_id, row.prompt_set_id, row.config.get("benign_set"), row.dataset_id)


def leaderboard_groups(user) -> list[dict]:
    """The leaderboard as groups of comparable evaluations (same measure, prompts or data,
    constitution version, judge and baseline), best first within each, largest group first."""
    groups: dict[tuple, list[Evaluation]] = {}
    for row in leaderboard(user):
        groups.setdefault(measure_of(row), []).append(row)
    return [{"rows": rows, "first": rows[0]} for rows in sorted(groups.values(), key=lambda g: (-len(g), g[0].kind))]


def leaderboard(user):
    """Finished evaluations this user may see, best first within each kind, each with the
    registered model it scores (for the lineage link) where there is one."""
    rows = list(visible_evaluations(user).filter(score__isnull=False)
                .select_related("constitution_version", "prompt_set", "dataset", "job")
                .order_by("kind", "-score", "-id"))
    names = {r.model for r in rows} | {r.baseline for r in rows}
    registered = {m.name: m for m in visible_models(user).filter(name__in=names)
                  .select_related("job", "dataset", "constitution_version")}
    for row in rows:
        row.lineage = registered.get(row.model)
        row.baseline_lineage = registered.get(row.baseline)
    return rows
