from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment.errors import UserError
from alignment.playground import ChatConfig
from webapp.accounts.roles import role_required
from webapp.core.forms import chosen
from webapp.core.lookups import as_id
from webapp.playground import services
from webapp.playground.forms import ChatForm


@role_required("operator")
def playground(request):
    """Start a chat, or continue the one named by ?after= (its settings carried over)."""
    after = services.chats(request.user).filter(pk=as_id(request.GET.get("after") or request.POST.get("after"))).first()
    initial = {k: v for k, v in (after.config.items() if after else []) if k in ChatConfig.choice_names()}
    form = ChatForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.launch_chat(request.user, chosen(ChatConfig, data), data["message"], data.get("system") or "",
                                       after=after, queue=data["queue"])
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("playground_chat", pk=job.pk)
    turns = services.conversation_so_far(after) if after else []
    return render(request, "playground/index.html", {"form": form, "after": after, "turns": turns,
                                                     "recent": services.chats(request.user).order_by("-id")[:10]})


@role_required("operator")
def chat(request, pk: int):
    job = get_object_or_404(services.chats(request.user), pk=pk)
    form = ChatForm(initial={k: v for k, v in job.config.items() if k in ChatConfig.choice_names()})
    if request.GET.get("partial"):  # the replies, the keep buttons and the next message, once they exist
        return render(request, "playground/_replies.html", {"job": job, "form": form})
    return render(request, "playground/chat.html", {"job": job, "turns": job.config["conversation"], "form": form})


@require_POST
@role_required("operator")
def keep(request, pk: int):
    job = get_object_or_404(services.chats(request.user), pk=pk)
    try:
        if request.POST.get("what") == "prompt":
            prompt = services.save_prompt(request.user, job)
            messages.success(request, f"Kept as prompt {prompt.key} in the set {services.PROMPT_SET!r}.")
        else:
            imported = services.save_pair(request.user, job, int(request.POST.get("better", "-1") or -1))
            messages.success(request, f"Kept as a human-labelled pair in {services.PAIRS!r} (run {imported.pk}).")
    except (UserError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, UserError) else "better must be 0 or 1")
    return redirect("playground_chat", pk=job.pk)
