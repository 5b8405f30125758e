from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment.errors import UserError
from alignment.sampling import SampleConfig
from alignment.synthesis import SynthesisConfig
from webapp.accounts.roles import role_required
from webapp.core.forms import chosen
from webapp.prompts import selectors
from webapp.prompts.forms import ImportPromptsForm, SampleForm, SplitForm, SynthesisForm, picked
from webapp.prompts.importing import import_prompt_set
from webapp.prompts.models import PromptSet
from webapp.prompts.services import launch_sampling, split_prompt_set
from webapp.prompts.synthesis import launch_synthesis


def prompt_set_list(request):
    return render(request, "prompts/set_list.html", {"sets": selectors.prompt_sets_with_counts()})


def prompt_set_detail(request, pk: int):
    prompt_set = get_object_or_404(PromptSet, pk=pk)
    page = selectors.prompt_page(prompt_set, after=request.GET.get("after"))
    return render(request, "prompts/set_detail.html", {"set": prompt_set, **page, "split_form": SplitForm()})


@require_POST
@role_required("operator")
def split_set(request, pk: int):
    prompt_set = get_object_or_404(PromptSet, pk=pk)
    form = SplitForm(request.POST)
    try:
        if not form.is_valid():
            raise UserError("; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()))
        train, heldout = split_prompt_set(request.user, prompt_set, form.cleaned_data["heldout"], form.cleaned_data["seed"])
    except UserError as exc:
        page = selectors.prompt_page(prompt_set)
        return render(request, "prompts/set_detail.html", {"set": prompt_set, **page, "split_form": form,
                                                           "split_error": str(exc)}, status=400)
    messages.success(request, f"Split into {train.name!r} ({train.prompts.count()} prompts) and {heldout.name!r} "
                              f"({heldout.prompts.count()} prompts).")
    return redirect("prompt_set", pk=heldout.pk)


@role_required("operator")
def sample_new(request):
    form = SampleForm(request.POST or None, initial={"prompt_set": request.GET.get("prompt_set")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_sampling(request.user, data["prompt_set"], chosen(SampleConfig, data), queue=data["queue"],
                                  shards=data.get("shards") or 1, **picked(data))
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Sampling job {job.pk} queued.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "prompts/sample_new.html", {"form": form})


@role_required("operator")
def import_prompts(request):
    form = ImportPromptsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 20 * 1024 * 1024:
                raise UserError(f"{upload.name}: {upload.size} bytes; the limit is {20 * 1024 * 1024}")
            prompt_set = import_prompt_set(form.cleaned_data["name"], form.cleaned_data["description"], upload.name,
                                           upload.read())
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Imported {prompt_set.prompts.count()} prompts.")
            return redirect("prompt_set", pk=prompt_set.pk)
    return render(request, "prompts/import.html", {"form": form})


@role_required("operator")
def synthesize_new(request):
    form = SynthesisForm(request.POST or None, initial={"source": request.GET.get("source")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = launch_synthesis(request.user, data["source"], data["name"], chosen(SynthesisConfig, data),
                                   queue=data["queue"])
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Synthesis job {job.pk} queued; its prompts fill the set {data['name']!r}.")
            return redirect("job_detail", pk=job.pk)
    return render(request, "prompts/synthesize.html", {"form": form})
