from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from alignment import judge_prompts
from alignment.constitution import ConstitutionError, from_yaml
from webapp.accounts.roles import require, role_required
from webapp.constitutions import merge as merging
from webapp.constitutions import services, visibility
from webapp.constitutions.forms import (
    ForkForm,
    HeaderForm,
    ImportForm,
    PrincipleForm,
    PrincipleFormSet,
    YamlForm,
    document_from_forms,
)
from webapp.constitutions.models import Constitution, ConstitutionVersion
from webapp.core.lookups import as_id
from webapp.core.models import AuditEvent
from webapp.core.rendering import render_markdown


def _get(request, pk: int, edit: bool = False) -> Constitution:
    constitution = get_object_or_404(Constitution.objects.select_related("head", "owner", "forked_from"), pk=pk)
    if not visibility.can_view(request.user, constitution):
        raise Http404("no such constitution")
    if edit and not services.can_edit(request.user, constitution):
        raise PermissionDenied("this needs the editor role")
    return constitution


def _version(constitution: Constitution, number) -> ConstitutionVersion:
    if number in (None, ""):
        return constitution.current
    try:
        return constitution.versions.get(number=int(number))
    except (ValueError, ConstitutionVersion.DoesNotExist):
        raise Http404("no such version") from None


def constitution_list(request):
    return render(request, "constitutions/list.html", {"constitutions": visibility.visible_to(request.user)})


def constitution_detail(request, pk: int):
    constitution = _get(request, pk)
    version = _version(constitution, request.GET.get("v"))
    return render(request, "constitutions/detail.html", {
        "c": constitution, "version": version, "principles": version.principles.all(),
        "is_head": version.pk == constitution.head_id, "can_edit": services.can_edit(request.user, constitution),
        "used": services.where_used(version), "fork_form": ForkForm(initial={"name": f"{constitution.name} (fork)"}),
        "methods": judge_prompts.METHODS,
    })


def history(request, pk: int):
    constitution = _get(request, pk)
    versions = constitution.versions.select_related("author").order_by("-number")
    audit = AuditEvent.objects.filter(target_type="constitution", target_id=str(pk)).select_related("actor")[:200]
    return render(request, "constitutions/history.html", {"c": constitution, "versions": versions, "audit": audit})


def diff_view(request, pk: int):
    constitution = _get(request, pk)
    head = constitution.current
    b = _version(constitution, request.GET.get("b") or head.number)
    a = _version(constitution, request.GET.get("a") or (b.parent.number if b.parent else b.number))
    return render(request, "constitutions/diff.html", {
        "c": constitution, "a": a, "b": b, "diff": merging.diff(a.document(), b.document()),
        "versions": constitution.versions.order_by("-number").values_list("number", flat=True),
    })


def _editor_context(constitution, header, formset, error=None):
    return {"c": constitution, "header": header, "formset": formset, "error": error,
            "kind_fields": {k: list(v) for k, v in PrincipleForm.KIND_FIELDS.items()}}


@role_required("editor")
def new(request):
    return _edit(request, None)


def edit(request, pk: int):
    return _edit(request, _get(request, pk, edit=True))


def _edit(request, constitution: Constitution | None):
    head = constitution.head if constitution else None
    if request.method == "POST":
        header = HeaderForm(request.POST)
        formset = PrincipleFormSet(request.POST, prefix="p")
        if header.is_valid() and formset.is_valid():
            try:
                doc = document_from_forms(header, formset)
                return _save(request, constitution, doc, header.cleaned_data.get("message") or "",
                             header.cleaned_data.get("base_version"), header.cleaned_data.get("visibility") or "team")
            except ConstitutionError as exc:
                return render(request, "constitutions/edit.html", _editor_context(constitution, header, formset, exc.problems))
    else:
        header = HeaderForm(initial={"name": head.name, "description": head.description, "base_version": head.pk}
                            if head else {})
        formset = PrincipleFormSet(prefix="p", initial=[PrincipleForm.initial_for(p) for p in head.principles.all()]
                                   if head else [])
    return render(request, "constitutions/edit.html", _editor_context(constitution, header, formset))


def _save(request, constitution, doc, message, base_version, visibility="team"):
    """Create or save a new version; a stale base renders the conflict page."""
    if constitution is None:
        constitution = services.create(request.user, doc, message or "Initial version", visibility=visibility)
        messages.success(request, f"Created {constitution.name} v1.")
        return redirect("constitution", pk=constitution.pk)
    try:
        version = services.save_version(request.user, constitution, base_version or constitution.head_id, doc,
                                        message or "Edited")
    except services.VersionConflict as conflict:
        return _conflict_page(request, conflict, message)
    messages.success(request, f"Saved {constitution.name} v{version.number}.")
    return redirect("constitution", pk=constitution.pk)


def _conflict_page(request, conflict: services.VersionConflict, message: str):
    base_doc, head_doc = conflict.base.document(), conflict.head.document()
    merged, conflicts = merging.merge(base_doc, head_doc, conflict.mine)
    return render(request, "constitutions/conflict.html", {
        "c": conflict.constitution, "base": conflict.base, "head": conflict.head,
        "theirs": merging.diff(base_doc, head_doc), "yours": merging.diff(base_doc, conflict.mine),
        "conflicts": conflicts, "mine_yaml": conflict.mine.to_yaml(), "merged_yaml": merged.to_yaml(),
        "message": message,
    }, status=409)


@require_POST
def resolve_conflict(request, pk: int):
    """Re-apply the user's edit on top of the newer version, with their choices per conflict."""
    constitution = _get(request, pk, edit=True)
    try:
        mine = from_yaml(request.POST.get("mine_yaml", ""))
        base = constitution.versions.get(pk=as_id(request.POST.get("base_version")) or 0)
        head = constitution.versions.get(pk=as_id(request.POST.get("head_version")) or 0)
    except (ConstitutionError, ValueError, ConstitutionVersion.DoesNotExist):
        messages.error(request, "The conflict form was incomplete; please edit again.")
        return redirect("constitution_edit", pk=pk)
    merged, conflicts = merging.merge(base.document(), head.document(), mine)
    take_mine = {c.key for c in conflicts if request.POST.get(f"take_{c.key}") == "mine"}
    doc = merging.resolve(merged, conflicts, take_mine)
    message = request.POST.get("message") or f"Merged edit based on v{base.number}"
    try:
        return _save(request, constitution, from_yaml(doc.to_yaml()), message, head.pk)
    except ConstitutionError as exc:
        messages.error(request, "; ".join(exc.problems))
        return redirect("constitution_edit", pk=pk)


def edit_yaml(request, pk: int | None = None):
    constitution = _get(request, pk, edit=True) if pk else None
    if constitution is None:
        require(request.user, "editor")
    if request.method == "POST":
        form = YamlForm(request.POST)
        if form.is_valid():
            try:
                doc = from_yaml(form.cleaned_data["yaml"])
                return _save(request, constitution, doc, form.cleaned_data.get("message") or "Edited as YAML",
                             form.cleaned_data.get("base_version"))
            except ConstitutionError as exc:
                form.add_error("yaml", exc.problems)
    else:
        head = constitution.head if constitution else None
        form = YamlForm(initial={"yaml": head.document().to_yaml() if head else "", "base_version": head.pk if head else None})
    return render(request, "constitutions/yaml.html", {"c": constitution, "form": form})


@role_required("editor")
def import_view(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 512 * 1024:
                raise ConstitutionError([f"file: {upload.size} bytes; the limit is 524288"])
            doc = from_yaml(upload.read())
            version = services.import_document(request.user, doc, message=f"Imported {upload.name}"[:500],
                                               visibility=form.cleaned_data["visibility"])
        except ConstitutionError as exc:
            form.add_error("file", exc.problems)
        else:
            messages.success(request, f"Imported {version.name}.")
            return redirect("constitution", pk=version.constitution_id)
    return render(request, "constitutions/import.html", {"form": form})


def export(request, pk: int, number: int):
    constitution = _get(request, pk)
    version = _version(constitution, number)
    response = HttpResponse(version.document().to_yaml(), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{constitution.pk}-v{version.number}.yaml"'
    return response


@require_POST
def fork(request, pk: int, number: int):
    constitution = _get(request, pk)
    form = ForkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A name is required to fork.")
        return redirect("constitution", pk=pk)
    try:
        forked = services.fork(request.user, _version(constitution, number), form.cleaned_data["name"],
                               form.cleaned_data["visibility"] or None)
    except ConstitutionError as exc:
        messages.error(request, "; ".join(exc.problems))
        return redirect("constitution", pk=pk)
    messages.success(request, f"Forked into {forked.name}.")
    return redirect("constitution", pk=forked.pk)


@require_POST
def restore(request, pk: int, number: int):
    constitution = _get(request, pk, edit=True)
    try:
        version = services.restore(request.user, _version(constitution, number))
        messages.success(request, f"Restored v{number} as v{version.number}.")
    except ConstitutionError as exc:
        messages.error(request, "; ".join(exc.problems))
    return redirect("constitution", pk=pk)


@require_POST
def delete(request, pk: int):
    constitution = _get(request, pk, edit=True)
    number = request.POST.get("version")
    try:
        if number:
            services.delete_version(request.user, _version(constitution, number))
            messages.success(request, f"Deleted v{number}.")
            return redirect("constitution", pk=pk)
        services.delete_constitution(request.user, constitution)
    except services.InUse as exc:
        messages.error(request, str(exc))
        return redirect("constitution", pk=pk)
    messages.success(request, f"Deleted {constitution.name}.")
    return redirect("constitutions")


def prompt_preview(request, pk: int, number: int):
    constitution = _get(request, pk)
    version = _version(constitution, number)
    context = judge_prompts.preview(version.document(), request.GET)
    return render(request, "constitutions/preview.html", {"c": constitution, "version": version, **context})


def version_preview(request, version_id: int):
    """The prompt preview by version id (the feedback form links here)."""
    version = get_object_or_404(ConstitutionVersion, pk=version_id)
    _get(request, version.constitution_id)
    query = request.GET.urlencode()
    return redirect(f"/constitutions/{version.constitution_id}/v{version.number}/preview/" + (f"?{query}" if query else ""))


@require_POST
def markdown_preview(request):
    return HttpResponse(render_markdown(request.POST.get("text", "")[:20_000]))
