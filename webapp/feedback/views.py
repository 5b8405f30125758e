from django.contrib import messages
from django.shortcuts import redirect, render

from alignment.errors import UserError
from webapp.accounts.roles import role_required
from webapp.constitutions.models import ConstitutionVersion
from webapp.constitutions.services import visible_to
from webapp.feedback.forms import FeedbackForm
from webapp.feedback.services import launch_feedback


@role_required("operator")
def new_run(request):
    versions = ConstitutionVersion.objects.filter(constitution__in=visible_to(request.user)).order_by("name", "-number")
    form = FeedbackForm(request.POST or None, versions=versions,
                        initial={"constitution_version": request.GET.get("version"), "method": request.GET.get("method")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_feedback(request.user, data["prompt_set"], data["constitution_version"], data,
                                  limit=data.get("limit"), queue=data["queue"])
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Feedback run {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "feedback/new.html", {"form": form})
