from django.contrib import messages
from django.shortcuts import redirect, render

from alignment import judge_prompts
from alignment.errors import UserError
from alignment.feedback.pipeline import FeedbackConfig
from webapp.accounts.roles import role_required
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.visibility import can_view, visible_to
from webapp.core.forms import chosen
from webapp.core.lookups import as_id, get_or_404
from webapp.feedback.forms import FeedbackForm
from webapp.feedback.services import launch_feedback
from webapp.prompts.models import Prompt


@role_required("operator")
def new_run(request):
    versions = ConstitutionVersion.objects.filter(constitution__in=visible_to(request.user)).order_by("name", "-number")
    form = FeedbackForm(request.POST or None, versions=versions,
                        initial={"constitution_version": request.GET.get("version"), "method": request.GET.get("method")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_feedback(request.user, data["prompt_set"], data["constitution_version"],
                                  chosen(FeedbackConfig, data), limit=data.get("limit"), queue=data["queue"])
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Feedback run {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "feedback/new.html", {"form": form})


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
