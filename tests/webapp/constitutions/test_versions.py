"""Saved versions never change; concurrent saves from one base give one conflict."""

import pytest
from django.db import DatabaseError, connection, transaction

from tests.conftest import race
from tests.webapp.constitutions.conftest import edited
from webapp.constitutions import services
from webapp.constitutions.models import ConstitutionVersion, Principle
from webapp.core.models import AuditEvent


@pytest.mark.django_db
def test_a_saved_version_cannot_be_changed_through_the_orm(constitution):
    version = constitution.head
    version.message = "rewritten history"
    with pytest.raises(TypeError, match="immutable"):
        version.save()
    with pytest.raises(TypeError, match="immutable"):
        ConstitutionVersion.objects.filter(pk=version.pk).update(message="x")
    with pytest.raises(TypeError, match="immutable"):
        Principle.objects.filter(version=version).update(text="x")


@pytest.mark.django_db
@pytest.mark.parametrize("table, column", [("constitutions_constitutionversion", "message"),
                                           ("constitutions_principle", "text")])
def test_the_database_refuses_raw_updates_of_a_saved_version(constitution, table, column):
    with pytest.raises(DatabaseError, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = 'x'")  # noqa: S608 - table and column are ours


@pytest.mark.django_db
def test_the_admin_cannot_change_or_delete_a_version(admin_client, constitution):
    version = constitution.head
    response = admin_client.post(f"/admin/constitutions/constitutionversion/{version.pk}/change/", {"message": "x"})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/constitutions/constitutionversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ConstitutionVersion.objects.get(pk=version.pk).message == "Initial version"


@pytest.mark.django_db
def test_saving_creates_a_child_version_and_an_audit_record(constitution, doc, make_user):
    editor = make_user("editor", "second-editor")
    version = services.save_version(editor, constitution, constitution.head_id, edited(doc, text="New text."), "reword")
    assert (version.number, version.parent.number, version.author.username) == (2, 1, "second-editor")
    assert [e.action for e in AuditEvent.objects.filter(target_id=str(constitution.pk))] == ["save", "create"]


@pytest.mark.django_db
def test_a_save_based_on_an_old_version_is_a_conflict(constitution, doc, make_user):
    editor = make_user("editor", "other")
    base = constitution.head_id
    services.save_version(editor, constitution, base, edited(doc, text="Theirs."), "theirs")
    with pytest.raises(services.VersionConflict) as info:
        services.save_version(editor, constitution, base, edited(doc, text="Mine."), "mine")
    assert (info.value.base.number, info.value.head.number) == (1, 2)
    assert constitution.versions.count() == 2


@pytest.mark.django_db
def test_saving_an_unchanged_document_is_refused(constitution, doc):
    from alignment.constitution import ConstitutionError

    with pytest.raises(ConstitutionError, match="nothing changed"):
        services.save_version(constitution.owner, constitution, constitution.head_id, doc, "noop")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_from_the_same_base_give_one_success_and_one_conflict(constitution, doc):
    base = constitution.head_id

    def save(text):
        try:
            services.save_version(constitution.owner, constitution, base, edited(doc, text=text), text)
            return "saved"
        except services.VersionConflict:
            return "conflict"

    outcomes = race(save, [("Edit 0.",), ("Edit 1.",)])
    assert sorted(outcomes) == ["conflict", "saved"]
    assert constitution.versions.count() == 2


@pytest.mark.django_db
def test_restore_makes_the_old_content_the_newest_version(constitution, doc):
    services.save_version(constitution.owner, constitution, constitution.head_id, edited(doc, text="Changed."), "c")
    first = constitution.versions.get(number=1)
    restored = services.restore(constitution.owner, first)
    assert restored.number == 3 and restored.content_hash == first.content_hash


@pytest.mark.django_db
def test_a_fork_keeps_its_provenance_and_content(constitution, make_user):
    fork = services.fork(make_user("editor", "forker"), constitution.head, "House rules, stricter")
    assert fork.forked_from == constitution.head
    assert fork.head.content_hash == constitution.head.content_hash
    assert fork.owner.username == "forker"


@pytest.mark.django_db
def test_a_version_used_by_a_job_cannot_be_deleted(constitution, doc):
    from webapp.jobs.models import Job

    v2 = services.save_version(constitution.owner, constitution, constitution.head_id, edited(doc, text="x."), "x")
    Job.objects.create(kind="sample", config={}, constitution_version=v2)
    with pytest.raises(services.InUse, match="used by 1 jobs"):
        services.delete_version(constitution.owner, v2)
    with pytest.raises(services.InUse):
        services.delete_constitution(constitution.owner, constitution)
    assert constitution.versions.count() == 2


@pytest.mark.django_db
def test_an_unused_latest_version_can_be_deleted_and_the_head_moves_back(constitution, doc):
    v2 = services.save_version(constitution.owner, constitution, constitution.head_id, edited(doc, text="x."), "x")
    services.delete_version(constitution.owner, v2)
    constitution.refresh_from_db()
    assert constitution.head.number == 1
    assert AuditEvent.objects.filter(action="delete_version").count() == 1
