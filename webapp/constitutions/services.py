"""Writes to constitutions. Each call owns its transaction and its audit record."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q

from alignment.constitution import Constitution as Document
from alignment.constitution import ConstitutionError
from alignment.errors import UserError
from alignment.names import check_name
from webapp.accounts.roles import has_role, require
from webapp.constitutions.models import Constitution, ConstitutionVersion, Principle
from webapp.constitutions.visibility import can_view
from webapp.core.models import record


class VersionConflict(Exception):
    """Someone saved a new version after the one this edit was based on."""

    def __init__(self, constitution: Constitution, base: ConstitutionVersion, head: ConstitutionVersion, mine: Document):
        self.constitution, self.base, self.head, self.mine = constitution, base, head, mine
        super().__init__(f"{constitution.name} is now at v{head.number}; your edit was based on v{base.number}")


class InUse(Exception):
    pass


def can_edit(user, constitution: Constitution) -> bool:
    return has_role(user, "editor") and can_view(user, constitution)


def _write_version(constitution, doc: Document, author, message: str, parent=None) -> ConstitutionVersion:
    number = (parent.number + 1) if parent else 1
    version = ConstitutionVersion.objects.create(
        constitution=constitution, number=number, parent=parent, author=author, message=message[:500],
        name=doc.name, description=doc.description, content_hash=doc.content_hash(),
    )
    Principle.objects.bulk_create([
        Principle(version=version, position=i, key=p.key, kind=p.kind, title=p.title, text=p.text,
                  weight=p.weight, tags=p.tags, enabled=p.enabled, fields=p.fields)
        for i, p in enumerate(doc.principles)
    ])
    Constitution.objects.filter(pk=constitution.pk).update(head=version, name=doc.name)
    constitution.head, constitution.name = version, doc.name
    return version


def _check_name(user, doc: Document, constitution: Constitution | None = None) -> None:
    """Names are unique among team constitutions and among one owner's. Another user's private
    names are never compared, so a clash reveals nothing the user cannot see."""
    owner = constitution.owner if constitution else user
    clash = Constitution.objects.filter(Q(owner=owner) | Q(visibility=Constitution.Visibility.TEAM), name=doc.name)
    if constitution is not None:
        clash = clash.exclude(pk=constitution.pk)
    if clash.exists():
        raise ConstitutionError([f"name: a constitution called {doc.name!r} already exists"])


@transaction.atomic
def create(user, doc: Document, message: str = "Initial version", visibility: str = "team",
           forked_from: ConstitutionVersion | None = None, action: str = "create") -> Constitution:
    require(user, "editor")
    if visibility not in Constitution.Visibility.values:
        raise ConstitutionError([f"visibility: must be one of {', '.join(Constitution.Visibility.values)}"])
    _check_name(user, doc)
    try:
        with transaction.atomic():
            constitution = Constitution.objects.create(name=doc.name, owner=user, visibility=visibility,
                                                       forked_from=forked_from)
    except IntegrityError:
        raise ConstitutionError([f"name: a constitution called {doc.name!r} already exists"]) from None
    version = _write_version(constitution, doc, user, message)
    record(user, action, constitution, version=version.number, content_hash=version.content_hash,
           **({"forked_from": forked_from.pk} if forked_from else {}))
    return constitution


@transaction.atomic
def save_version(user, constitution: Constitution, base_version_id: int | None, doc: Document, message: str,
                 action: str = "save") -> ConstitutionVersion:
    """Save doc as the next version, but only if nobody saved since base_version_id."""
    if not can_edit(user, constitution):
        require(user, "admin")
    # Lock the constitution row: concurrent saves from the same base queue up here, and
    # the second one sees the first one's head and gets a conflict.
    # No join here: on PostgreSQL a row re-read after waiting for the lock comes with joined
    # rows from the old snapshot, so the new head is read by a separate query.
    locked = Constitution.objects.select_for_update().get(pk=constitution.pk)
    base = ConstitutionVersion.objects.get(pk=base_version_id or 0, constitution=locked)
    if locked.head_id != base.pk:
        raise VersionConflict(locked, base, ConstitutionVersion.objects.get(pk=locked.current.pk), doc)
    if not message.strip():
        raise ConstitutionError(["message: describe what changed"])
    if doc.content_hash() == base.content_hash and doc.name == base.name:
        raise ConstitutionError([f"document: nothing changed since v{base.number}"])
    _check_name(user, doc, locked)
    version = _write_version(locked, doc, user, message, parent=base)
    record(user, action, locked, version=version.number, parent=base.number, content_hash=version.content_hash,
           message=message[:500])
    constitution.head, constitution.name = version, locked.name
    return version


def restore(user, version: ConstitutionVersion, message: str = "") -> ConstitutionVersion:
    constitution = version.constitution
    doc = version.document()
    doc.name = constitution.name
    return save_version(user, constitution, constitution.head_id, doc,
                        message or f"Restore v{version.number}", action="restore")


def fork(user, version: ConstitutionVersion, name: str, visibility: str | None = None) -> Constitution:
    """A new constitution from a version. A fork of a private constitution is private unless its
    owner (or an admin) chooses otherwise: its principles stay with those who could see them."""
    source = version.constitution
    if not can_view(user, source):
        require(user, "admin")
    private = source.visibility == Constitution.Visibility.PRIVATE
    if visibility is None:
        visibility = source.visibility
    elif private and visibility == Constitution.Visibility.TEAM and source.owner_id != user.pk:
        require(user, "admin")
    doc = version.document()
    try:
        doc.name = check_name(name)
    except UserError as exc:
        raise ConstitutionError([str(exc)]) from None
    return create(user, doc, message=f"Forked from {version.name} v{version.number}", visibility=visibility,
                  forked_from=version, action="fork")


def import_document(user, doc: Document, target: Constitution | None = None, base_version_id: int | None = None,
                    message: str = "Imported from YAML", visibility: str = "team") -> ConstitutionVersion:
    if target is None:
        constitution = create(user, doc, message=message, visibility=visibility, action="import")
        return constitution.current
    return save_version(user, target, base_version_id or target.head_id, doc, message, action="import")


@transaction.atomic
def delete_version(user, version: ConstitutionVersion) -> None:
    """Undo the latest save: only the head, only when nothing used it, never the first."""
    constitution = Constitution.objects.select_for_update().get(pk=version.constitution_id)
    if not can_edit(user, constitution):
        require(user, "admin")
    if constitution.head_id != version.pk or version.parent_id is None:
        raise InUse("only the latest version can be deleted, and never the first one (delete the constitution)")
    used = where_used(version)
    if any(used.values()):
        raise InUse(f"v{version.number} is used by {', '.join(f'{len(v)} {k}' for k, v in used.items() if v)}")
    Constitution.objects.filter(pk=constitution.pk).update(head=version.parent_id)
    record(user, "delete_version", constitution, version=version.number, content_hash=version.content_hash)
    version.delete()


@transaction.atomic
def delete_constitution(user, constitution: Constitution) -> None:
    if not can_edit(user, constitution):
        require(user, "admin")
    for version in constitution.versions.all():
        used = where_used(version)
        if any(used.values()):
            raise InUse(f"v{version.number} is in use; a constitution with used versions cannot be deleted")
    record(user, "delete", constitution, name=constitution.name, versions=constitution.versions.count())
    Constitution.objects.filter(pk=constitution.pk).update(head=None)
    constitution.delete()


def where_used(version: ConstitutionVersion) -> dict[str, list]:
    """Everything pinned to this version. Datasets, models and evaluations join as they land."""
    return {"jobs": list(version.jobs.order_by("-id")[:100])}
