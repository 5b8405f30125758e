from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from alignment import judge_prompts
from alignment.errors import UserError
from alignment.evaluation.judge import MIN_FIT
from alignment.feedback.pipeline import FeedbackConfig
from webapp.accounts.roles import role_required
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import can_view, visible_to
from webapp.core.forms import chosen
from webapp.core.lookups import as_id, get_or_404
from webapp.feedback import judges as judges_data
from webapp.feedback.forms import FeedbackForm
from webapp.feedback.judges import recommended_initial
from webapp.feedback.services import launch_feedback, pair_sources
from webapp.prompts.forms import picked
from webapp.prompts.models import Prompt


@role_required("operator")
def new_run(request):
    versions = ConstitutionVersion.objects.filter(constitution__in=visible_to(request.user)).order_by("name", "-number")
    initial = recommended_initial(request.user) | {
        k: v for k, v in (("constitution_version", request.GET.get("version")), ("method", request.GET.get("method")),
                          ("pairs_from", request.GET.get("pairs_from"))) if v}
    form = FeedbackForm(request.POST or None, versions=versions, sources=pair_sources(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_feedback(request.user, data["prompt_set"], data["constitution_version"],
                                  chosen(FeedbackConfig, data), queue=data["queue"], pairs_from=data["pairs_from"],
                                  review_guidelines=data.get("review_guidelines") or "", shards=data.get("shards") or 1,
                                  **picked(data))
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Feedback run {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "feedback/new.html", {"form": form, "recommended": bool(recommended_initial(request.user))})


@role_required("operator")
def judge_preview(request):
    """The exact judge text for the chosen version and method, with the first prompt of the
    chosen prompt set as the example (a fragment the launch form shows inline)."""
    version = get_or_404(ConstitutionVersion.objects.all(), request.GET.get("constitution_version"))
    if not can_view(request.user, version.constitution):
        return render(request, "feedback/_preview.html", {"error": "you cannot use that constitution"})
    params = {"method": request.GET.get("method", "")}
    first = Prompt.objects.filter(prompt_set_id=as_id(request.GET.get("prompt_set")) or 0).order_by("id").first()
    if first is not None:
        params["prompt"] = first.text
    context = judge_prompts.preview(version.document(), params)
    return render(request, "feedback/_preview.html", {**context, "version": version, "first": first})


@role_required("viewer")
def judges(request):
    """The judge leaderboard: every judge configuration measured on one set, best first."""
    sets = judges_data.sets_judged(request.user)
    chosen_set = as_id(request.GET.get("set")) or (sets[0][0] if sets else None)
    rows = judges_data.leaderboard(request.user, chosen_set) if chosen_set else []
    return render(request, "feedback/judges.html", {"sets": sets, "chosen_set": chosen_set, "rows": rows})


@role_required("viewer")
def judge_report(request, pk: int):
    run = get_or_404(judges_data.given_runs(request.user), pk)
    report = judges_data.report(run)
    calibration = judges_data.calibration(request.user, run)
    charts = {"reliability": report["overall"]["reliability"],
              "principles": [{"principle": p["principle"], **p["kappa"]} for p in report["per_principle"]]}
    return render(request, "feedback/judge_report.html", {"run": run, "report": report, "calibration": calibration,
                                                          "charts": charts, "min_fit": MIN_FIT})


@require_POST
@role_required("operator")
def recommend_judge(request, pk: int):
    run = get_or_404(judges_data.given_runs(request.user), pk)
    judges_data.recommend(request.user, run)
    messages.success(request, "Recommended: the feedback form now pre-selects this judge.")
    return redirect(f"{reverse('judges')}?set={run.config.get('pairs_from', '')}")
