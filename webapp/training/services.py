"""Launching training and registering what it produced. Everything a run could trip on
(a dataset that does not fit the method, a model that is not there, impossible numbers) is
refused here, before any job exists."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from alignment import records
from alignment.errors import UserError
from alignment.model_folders import resolve_model
from alignment.training.config import ONLINE, TrainConfig
from alignment.training.memory import describe, estimate
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import can_view
from webapp.core.model_names import check_model, lineage
from webapp.core.models import record
from webapp.datasets.models import Dataset
from webapp.datasets.selectors import check_dataset
from webapp.datasets.selectors import lineage as dataset_lineage
from webapp.feedback.ingest import insert_pairs
from webapp.feedback.models import PreferencePair
from webapp.feedback.services import pair_sources, versions_of
from webapp.jobs import services as jobs
from webapp.jobs.engine import add_artifact
from webapp.jobs.models import Job
from webapp.prompts.models import Prompt, PromptSet
from webapp.prompts.services import pick
from webapp.training.models import TrainedModel

NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,99}")
FITS = {"sft": ("sft", "preference"), "dpo": ("preference",), "reward": ("preference",), "kto": ("unpaired",),
        "grpo": ("preference", "sft"), "rloo": ("preference", "sft")}


def resolve(user, choices: dict, dataset: Dataset | None, version=None) -> tuple[TrainConfig, Dataset, set[int]]:
    """The resolved config (method defaults filled in), the dataset and every constitution
    version the run derives from, or a UserError; the worker adds the files (the dataset, the
    run folder, the version's constitution)."""
    config = TrainConfig.from_choices(choices)
    if config.reads_principles() and version is None:
        raise UserError(f"{config.reads_principles()}: choose a constitution version")
    config = config.resolved()
    if not isinstance(dataset, Dataset):
        raise UserError("choose a dataset")
    check_dataset(user, dataset)
    if not dataset.ready:
        raise UserError(f"dataset {dataset.name!r} is not ready yet (its export job has not finished)")
    if dataset.kind not in FITS[config.method]:
        raise UserError(f"{config.method} cannot train on {dataset.kind} records (dataset {dataset.name!r}); "
                        f"it needs {' or '.join(FITS[config.method])} records")
    if version is not None and not can_view(user, version.constitution):
        raise UserError("you cannot use that constitution")
    models = [check_model(user, config.model)]
    if config.method in ONLINE and config.reward_model:
        models.append(check_reward_model(user, config.reward_model))
    if config.method in ONLINE and config.reward_judge:
        models.append(check_model(user, config.reward_judge))
        if not version.document().of_kind("rubric"):
            raise UserError(f"{version.name} v{version.number} has no enabled rubric principle for the reward judge")
    return config, dataset, dataset_lineage(dataset) | lineage(*models)


def check_reward_model(user, name: str) -> Path:
    folder = check_model(user, name)
    try:
        architectures = json.loads((folder / "config.json").read_text()).get("architectures") or []
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {name}'s config: {exc}") from exc
    if not any(a.endswith("ForSequenceClassification") for a in architectures):
        raise UserError(f"{name} is not a reward model (train one with the reward method first)")
    return folder


def preview(user, choices: dict, dataset: Dataset | None, version=None) -> str:
    """The YAML the training child will receive (the files are the worker's to fill in)."""
    config, dataset, _ = resolve(user, choices, dataset, version)
    data = {"dataset": f"<dataset {dataset.pk}: {dataset.name}, sha256 {dataset.sha256[:12]}…>",
            "output": "<run folder>", "constitution": f"<{version.name} v{version.number}>" if version else "",
            **config.choices()}
    scorer = resolve_model(config.reward_judge or config.reward_model) if config.method in ONLINE else None
    needs = describe(estimate(config, resolve_model(config.model), scorer, gpu=config.device == "gpu"))
    warning = config.size_warning(dataset.rows or 0) if config.method not in ONLINE else ""
    return yaml.safe_dump(data, sort_keys=False) + f"# memory: {needs}; checked again on the worker before loading\n" + (
        f"# warning: {warning}\n" if warning else "")


def launch_training(user, name: str, choices: dict, dataset: Dataset | None, version=None, ray: bool = False) -> Job:
    """Launch a training run: on the gpu queue of its size (device gpu), the default one, or with `ray` on the
    Ray cluster a worker of the ray queue submits it to (one GPU or CPU per process)."""
    name = check_name(name)
    config, dataset, derived = resolve(user, choices, dataset, version)
    snapshot = config.choices() | {"name": name, "dataset": dataset.pk, "dataset_name": dataset.name,
                                   "dataset_sha256": dataset.sha256,
                                   "constitution_version": version.pk if version else None}
    with transaction.atomic():
        taken = TrainedModel.objects.filter(name=name).exists() or Job.objects.filter(
            kind="train", config__name=name, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists()
        if taken or (Path(settings.MODELS_DIR) / name).exists():
            raise UserError(f"a model named {name!r} already exists or is being trained")
        queue = "ray" if ray else jobs.gpu_queue(config.processes) if config.device == "gpu" else "default"
        return jobs.launch("train", snapshot, user, queue=queue, constitution_version=version, derived_from=derived)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise UserError("name: 2-100 lowercase letters, digits and dashes, starting with a letter or digit")
    return name


@transaction.atomic
def register(job: Job, summary: dict) -> TrainedModel:
    """Move the run's final model into the models directory under its name and record it."""
    cfg = job.config
    target = Path(settings.MODELS_DIR) / cfg["name"]
    if not target.exists():
        staging = target.with_name(f".{target.name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(summary["final"], staging)
        staging.rename(target)
    last = {}
    for metric in job.metrics.order_by("step"):
        last[metric.name] = metric.value
    model, _ = TrainedModel.objects.update_or_create(job=job, defaults={
        "name": cfg["name"], "kind": "reward" if cfg["method"] == "reward" else "policy", "method": cfg["method"],
        "base_model": cfg["model"], "dataset_id": cfg["dataset"], "dataset_sha256": cfg["dataset_sha256"],
        "constitution_version_id": cfg.get("constitution_version"), "config": cfg, "path": str(target),
        "created_by": job.created_by,
        "metrics": {"global_step": summary["global_step"], "train_loss": summary["train_loss"], "last": last}})
    add_artifact(job.pk, "model", target)
    record(job.created_by, "register_model", model, name=model.name, job=job.pk)
    return model


def register_iteration(job: Job, event: dict) -> TrainedModel:
    """M(t+1) of a Self-Rewarding loop, named after the loop and its place in it."""
    cfg = job.config
    name = f"{cfg['name']}-m{event['iteration'] + 1}"
    target = Path(settings.MODELS_DIR) / name
    if not target.exists():
        staging = target.with_name(f".{name}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(event["model"], staging)
        staging.rename(target)
    model, _ = TrainedModel.objects.update_or_create(name=name, defaults={
        "kind": "policy", "method": "sft" if event["iteration"] == 0 else "dpo", "base_model": event["judge"],
        "config": cfg, "path": str(target),
        "constitution_version_id": cfg.get("constitution_version"), "job": job, "created_by": job.created_by,
        "metrics": {"iteration": event["iteration"], "pairs": event["pairs"], "judge_accuracy": event["judge_accuracy"],
                    "global_step": event["dpo_steps"], "train_loss": event["dpo_loss"], "dataset": event["dataset"],
                    **{k: event[k] for k in ("score_spread", "eft", "behaviour") if event.get(k) is not None}}})
    add_artifact(job.pk, f"model {name}", target)
    record(job.created_by, "register_model", model, name=name, job=job.pk, iteration=event["iteration"])
    return model


@transaction.atomic
def store_iteration_pairs(job: Job, event: dict) -> int:
    """An iteration's kept pairs (best vs worst answer by Mt's own scores) as the loop's pairs, so
    they are browsed, reviewed and exported like any run's; the prompts go into a set of the loop's."""
    if not event["iteration"] or not event.get("dataset") or not Path(event["dataset"]).is_file():
        return 0
    t = event["iteration"]
    rows = records.read_jsonl_list(event["dataset"])
    version = ConstitutionVersion.objects.get(pk=job.config["constitution_version"])
    rubric = version.document().of_kind("rubric")[0]
    points = len(rubric.fields.get("points", [])) or 1
    prompt_set, _ = PromptSet.objects.get_or_create(
        name=f"Self-Rewarding loop {job.pk}", defaults={"source": f"self_reward job {job.pk}"[:200],
                                                        "description": f"The prompts of loop {job.pk}'s kept pairs"})
    ids = dict(prompt_set.prompts.values_list("text", "id"))
    pairs = []
    for n, row in enumerate(rows):
        prompt = records.text_of(row["prompt"], "user", f"pair {n}", "prompt", 10**6)
        if prompt not in ids:
            ids[prompt] = Prompt.objects.create(prompt_set=prompt_set, key=f"p{len(ids)}", text=prompt).pk
        chosen, rejected = (records.text_of(row[k], "assistant", f"pair {n}", k, 10**6) for k in ("chosen", "rejected"))
        spread = row["chosen_score"] - row["rejected_score"]
        pairs.append({"job_id": job.pk, "prompt_id": ids[prompt], "key": f"iter{t}-{n}", "method": "self_rewarding",
                      "constitution_version_id": version.pk, "chosen": chosen, "rejected": rejected, "soft_label": 1.0,
                      "margin": min(1.0, spread / points), "tie": False, "principles": [rubric.key],
                      "chosen_score": row["chosen_score"], "rejected_score": row["rejected_score"]})
    PreferencePair.objects.filter(job=job, key__startswith=f"iter{t}-").delete()  # a resumed loop sends it again
    return insert_pairs(pairs)


class LoopIngest:
    """A Self-Rewarding loop's events: each iteration's model is registered as it arrives, and
    its pairs are stored as the loop's."""

    def __init__(self, job: Job) -> None:
        self.job, self.iterations = job, list[dict]()

    def __call__(self, event: dict) -> None:
        if event["event"] == "iteration":
            store_iteration_pairs(self.job, event)
            model = register_iteration(self.job, event)
            self.iterations.append({k: event.get(k) for k in ("iteration", "prompts", "pairs", "score_spread",
                                                               "judge_accuracy", "dpo_loss", "eft", "behaviour")}
                                   | {"model": model.name})


def launch_self_rewarding(user, name: str, choices: dict, prompt_set, version, limit: int | None = None,
                          heldout_from: Job | None = None, eft_from: Job | None = None, harmful_set=None,
                          benign_set=None, offset: int = 0, sample_seed: int | None = None) -> Job:
    """The loop; `heldout_from` (an imported human set or a run) gives the pairs each iteration's
    judge is scored on (how often it prefers the labelled response); `eft_from`, the human-ranked
    pairs of the EFT stage (the loop then starts from M0); `harmful_set` and `benign_set`, the
    prompts each new model's behaviour is measured on without a judge."""
    from alignment.selfreward import SelfRewardConfig

    name = check_name(name)
    config = SelfRewardConfig.from_choices(choices)
    if version is None or prompt_set is None:
        raise UserError("choose the seed prompts and the constitution version with the judge's rubric")
    if not can_view(user, version.constitution):
        raise UserError("you cannot use that constitution")
    if not version.document().of_kind("rubric"):
        raise UserError(f"{version.name} v{version.number} has no rubric principle for the judge")
    if not prompt_set.prompts.exists():
        raise UserError(f"prompt set {prompt_set.name!r} has no prompts")
    model = check_model(user, config.model)
    if config.prompt_model:
        check_model(user, config.prompt_model)
    if (harmful_set is None) != (benign_set is None):
        raise UserError("behaviour: choose both the harmful and the benign prompt set, or neither")
    names = [f"{name}-m{t + 1}" for t in range(0 if eft_from else 1, config.iterations + 1)]
    if TrainedModel.objects.filter(name__in=names).exists() or any((Path(settings.MODELS_DIR) / n).exists() for n in names):
        raise UserError(f"models named {names[0]}… already exist: choose another name")
    derived = lineage(model)
    held: dict = {}
    for key, source in (("heldout", heldout_from), ("eft", eft_from)):
        if source is None:
            continue
        if not pair_sources(user).filter(pk=source.pk).exists():
            raise UserError(f"{key} set: run {source.pk} is not a finished run or imported set you may see")
        held |= {f"{key}_from": source.pk, f"{key}_name": source.config.get("name") or f"run {source.pk}"}
        derived |= versions_of(source)
    if harmful_set is not None:
        held |= {"harmful_set": harmful_set.pk, "benign_set": benign_set.pk}
    snapshot = config.choices() | pick(limit, offset, sample_seed) | {"name": name, "prompt_set": prompt_set.pk,
                                   "constitution_version": version.pk} | held
    return jobs.launch("self_reward", snapshot, user, constitution_version=version, derived_from=derived)
