from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from alignment.errors import UserError
from alignment.evaluation import EvalConfig
from alignment.selfreward import SelfRewardConfig
from alignment.training.config import TrainConfig
from webapp.accounts.roles import role_required
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import visible_to
from webapp.core.forms import chosen
from webapp.core.lookups import as_id
from webapp.datasets.selectors import visible_datasets
from webapp.feedback.services import pair_sources
from webapp.prompts.forms import picked
from webapp.training import lineage, selectors
from webapp.training.evaluations import behaviour_preset, harmlessness_preset, launch_evaluation, leaderboard_groups
from webapp.training.forms import EvaluateForm, SelfRewardForm, TrainForm
from webapp.training.services import launch_self_rewarding, launch_training, preview


def inputs(data: dict) -> dict:
    """What an evaluation runs on, besides its choices."""
    return {k: data.get(k) for k in ("constitution_version", "prompt_set", "dataset", "benign_set")} | picked(data) | {
        "shards": data.get("shards") or 1, "queue": data.get("queue") or "default"}


def _versions(request):
    return ConstitutionVersion.objects.filter(constitution__in=visible_to(request.user)).order_by("name", "-number")


def _form(request, data=None):
    initial = {"method": request.GET.get("method"), "dataset": request.GET.get("dataset")}
    return TrainForm(data, versions=_versions(request), user=request.user, initial={k: v for k, v in initial.items() if v})


def _launch_page(request, form, template: str, launch, what: str):
    """A launch form's POST: launch, or show the refusal on the form; GET: the form."""
    if request.method == "POST" and form.is_valid():
        try:
            job = launch(form.cleaned_data)
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{what} {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, template, {"form": form})


def training_list(request):
    return render(request, "training/list.html", {"runs": selectors.training_runs(request.user),
                                                  "models": selectors.registry(request.user)})


@role_required("operator")
def new_training(request):
    return _launch_page(request, _form(request, request.POST or None), "training/new.html",
                        lambda data: launch_training(request.user, data["name"], chosen(TrainConfig, data),
                                                     data["dataset"], data["constitution_version"],
                                                     ray=bool(data.get("ray"))), "Training run")


@role_required("operator")
def config_preview(request):
    """The resolved config for the form as it stands (a fragment the form shows inline)."""
    form = _form(request, request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items() if k != "name")
        if errors:
            return render(request, "training/_preview.html", {"error": errors})
    try:
        data = form.cleaned_data
        text = preview(request.user, chosen(TrainConfig, data), data.get("dataset"), data.get("constitution_version"))
    except UserError as exc:
        return render(request, "training/_preview.html", {"error": str(exc)})
    return render(request, "training/_preview.html", {"text": text})


def compare(request):
    ids = []
    for raw in request.GET.getlist("job")[:50]:
        if as_id(raw) is None:
            messages.error(request, f"not a run id: {raw[:30]!r}")
        else:
            ids.append(as_id(raw))
    return render(request, "training/compare.html", {**selectors.compare(request.user, ids[:8]),
                                                     "runs": selectors.training_runs(request.user)})


@role_required("operator")
def new_evaluation(request):
    versions = _versions(request)
    initial = {"model": request.GET.get("model", "")}
    if request.GET.get("preset") == "harmlessness":
        initial |= harmlessness_preset(versions)
    elif request.GET.get("preset") == "behaviour":
        initial |= behaviour_preset()
    form = EvaluateForm(request.POST or None, versions=versions, user=request.user, initial=initial)
    return _launch_page(request, form, "training/evaluate.html",
                        lambda data: launch_evaluation(request.user, chosen(EvalConfig, data), **inputs(data)),
                        "Evaluation")


def leaderboard(request):
    return render(request, "training/leaderboard.html", {"groups": leaderboard_groups(request.user)})


@role_required("operator")
def new_self_rewarding(request):
    preset = behaviour_preset()
    form = SelfRewardForm(request.POST or None, versions=_versions(request), sources=pair_sources(request.user),
                          initial={"heldout_from": _shipped_test_part(request.user),
                                   "harmful_set": preset["prompt_set"], "benign_set": preset["benign_set"]})
    return _launch_page(request, form, "training/selfreward.html",
                        lambda data: launch_self_rewarding(request.user, data["name"], chosen(SelfRewardConfig, data),
                                                           data["prompt_set"], data["constitution_version"],
                                                           heldout_from=data.get("heldout_from"), **picked(data),
                                                           eft_from=data.get("eft_from"),
                                                           harmful_set=data.get("harmful_set"),
                                                           benign_set=data.get("benign_set")),
                        "Self-Rewarding loop")


def _shipped_test_part(user) -> int | None:
    """The shipped human set's test part, the loop's default held-out set."""
    return pair_sources(user).filter(kind="import", config__part="test").values_list("pk", flat=True).first()


def model_lineage(request, pk: int):
    model = get_object_or_404(selectors.visible_models(request.user).select_related("dataset", "job"), pk=pk)
    return render(request, "training/lineage.html", {"what": f"model {model.name}",
                                                      "stages": lineage.of_model(request.user, model)})


def dataset_lineage(request, pk: int):
    dataset = get_object_or_404(visible_datasets(request.user).select_related("job"), pk=pk)
    return render(request, "training/lineage.html", {"what": f"dataset {dataset.name}",
                                                      "stages": lineage.of_dataset(request.user, dataset)})
