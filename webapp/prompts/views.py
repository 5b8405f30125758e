from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from alignment.errors import UserError
from webapp.accounts.roles import role_required
from webapp.prompts import selectors
from webapp.prompts.forms import SampleForm
from webapp.prompts.models import PromptSet
from webapp.prompts.services import launch_sampling


def prompt_set_list(request):
    return render(request, "prompts/set_list.html", {"sets": selectors.prompt_sets_with_counts()})


def prompt_set_detail(request, pk: int):
    prompt_set = get_object_or_404(PromptSet, pk=pk)
    page = selectors.prompt_page(prompt_set, after=request.GET.get("after"))
    return render(request, "prompts/set_detail.html", {"set": prompt_set, **page})


@role_required("operator")
def sample_new(request):
    form = SampleForm(request.POST or None, initial={"prompt_set": request.GET.get("prompt_set")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_sampling(request.user, data["prompt_set"], data)
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Sampling job {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "prompts/sample_new.html", {"form": form})
