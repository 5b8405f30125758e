"""Constitutions over the REST API: the same services as the pages."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from alignment.constitution import ConstitutionError, from_dict, from_yaml, json_schema
from webapp.accounts.roles import require
from webapp.constitutions import merge as merging
from webapp.constitutions import services, visibility
from webapp.constitutions.models import Constitution

router = Router(tags=["constitutions"])


class NewConstitution(Schema):
    yaml: str | None = None
    document: dict | None = None
    visibility: str = "team"
    message: str = "Initial version"


class NewVersion(Schema):
    base_version: int
    message: str
    yaml: str | None = None
    document: dict | None = None


class ForkIn(Schema):
    name: str
    visibility: str | None = None


def _doc(body):
    if (body.yaml is None) == (body.document is None):
        raise ConstitutionError(["body: give exactly one of 'yaml' or 'document'"])
    return from_yaml(body.yaml) if body.yaml is not None else from_dict(body.document)


def _get(request, pk: int) -> Constitution:
    constitution = get_object_or_404(Constitution.objects.select_related("head", "owner"), pk=pk)
    if not visibility.can_view(request.user, constitution):
        raise Http404("no such constitution")
    return constitution


def _version(constitution, number: int):
    return get_object_or_404(constitution.versions, number=number)


def _version_out(version) -> dict:
    return {"id": version.pk, "number": version.number, "parent": version.parent.number if version.parent else None,
            "author": version.author.username, "message": version.message, "created_at": version.created_at.isoformat(),
            "content_hash": version.content_hash, "document": version.document().to_dict()}


def _summary(c: Constitution) -> dict:
    return {"id": c.pk, "name": c.name, "owner": c.owner.username, "visibility": c.visibility,
            "head": c.head.number if c.head else None, "content_hash": c.head.content_hash if c.head else None}


@router.get("/schema.json", auth=None)
def schema(request):
    return json_schema()


@router.get("")
def list_constitutions(request):
    require(request.user, "viewer")
    return [_summary(c) for c in visibility.visible_to(request.user)]


@router.post("")
def create_constitution(request, body: NewConstitution):
    require(request.user, "editor")  # before the body is parsed: parsing is the costly part
    constitution = services.create(request.user, _doc(body), body.message, visibility=body.visibility)
    return {**_summary(constitution), "version": _version_out(constitution.head)}


@router.get("/{id:pk}")
def get_constitution(request, pk: int):
    require(request.user, "viewer")
    c = _get(request, pk)
    return {**_summary(c), "version": _version_out(c.head)}


@router.get("/{id:pk}/versions")
def list_versions(request, pk: int):
    require(request.user, "viewer")
    return [{"number": v.number, "message": v.message, "author": v.author.username, "content_hash": v.content_hash,
             "created_at": v.created_at.isoformat()}
            for v in _get(request, pk).versions.select_related("author").order_by("-number")]


@router.get("/{id:pk}/versions/{id:number}")
def get_version(request, pk: int, number: int):
    require(request.user, "viewer")
    version = _version(_get(request, pk), number)
    return {**_version_out(version), "used_by": {k: [o.pk for o in v] for k, v in services.where_used(version).items()}}


@router.post("/{id:pk}/versions")
def save_version(request, pk: int, body: NewVersion):
    """409 when base_version is not the latest: nobody's save is silently overwritten."""
    require(request.user, "editor")
    constitution = _get(request, pk)
    version = services.save_version(request.user, constitution, _version(constitution, body.base_version).pk,
                                    _doc(body), body.message)
    return _version_out(version)


@router.get("/{id:pk}/versions/{id:number}/export.yaml")
def export_yaml(request, pk: int, number: int):
    require(request.user, "viewer")
    return HttpResponse(_version(_get(request, pk), number).document().to_yaml(), content_type="application/yaml")


@router.get("/{id:pk}/diff")
def diff(request, pk: int, a: int, b: int):
    require(request.user, "viewer")
    c = _get(request, pk)
    d = merging.diff(_version(c, a).document(), _version(c, b).document())
    return {"added": [p.key for p in d.added], "removed": [p.key for p in d.removed],
            "changed": [{"key": ch.key, "fields": {f.name: {"old": f.old, "new": f.new, "ops": f.ops} for f in ch.fields}}
                        for ch in d.changed],
            "reordered": d.reordered, "header": {f.name: {"old": f.old, "new": f.new} for f in d.header}}


@router.post("/{id:pk}/versions/{id:number}/fork")
def fork(request, pk: int, number: int, body: ForkIn):
    require(request.user, "editor")
    forked = services.fork(request.user, _version(_get(request, pk), number), body.name, body.visibility)
    return _summary(forked)


@router.post("/{id:pk}/versions/{id:number}/restore")
def restore(request, pk: int, number: int):
    return _version_out(services.restore(request.user, _version(_get(request, pk), number)))


@router.delete("/{id:pk}/versions/{id:number}")
def delete_version(request, pk: int, number: int):
    """Only the latest version, only when nothing used it (409 otherwise)."""
    services.delete_version(request.user, _version(_get(request, pk), number))
    return {"deleted": number}


@router.delete("/{id:pk}")
def delete_constitution(request, pk: int):
    services.delete_constitution(request.user, _get(request, pk))
    return {"deleted": pk}
