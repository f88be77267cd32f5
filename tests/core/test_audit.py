import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AuditRecord
from core.models.audit import AuditImmutableError
from core.services.audit import audit_record
from core.services.organisations import organisation_update

pytestmark = pytest.mark.django_db


def _record(obj, actor=None):
    with transaction.atomic():
        return audit_record(obj=obj, actor=actor, action="checked", from_state="draft", to_state="submitted")


def test_records_cannot_be_changed_or_deleted_through_the_orm(commune):
    record = _record(commune)
    record.action = "rewritten"
    with pytest.raises(AuditImmutableError):
        record.save()
    with pytest.raises(AuditImmutableError):
        record.delete()
    with pytest.raises(AuditImmutableError):
        AuditRecord.objects.filter(pk=record.pk).update(action="rewritten")
    with pytest.raises(AuditImmutableError):
        AuditRecord.objects.all().delete()
    assert AuditRecord.objects.get(pk=record.pk).action == "checked"


def test_postgresql_refuses_even_raw_sql(require_postgres, commune):
    record = _record(commune)
    for statement in (
        "UPDATE core_auditrecord SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditrecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record.pk])
    assert AuditRecord.objects.get(pk=record.pk).action == "checked"


def test_the_record_rolls_back_with_the_change_it_describes(administrator, commune):
    with pytest.raises(RuntimeError), transaction.atomic():
        organisation_update(actor=administrator, organisation_id=commune.pk, email="x@anderlecht.be")
        raise RuntimeError("the surrounding work failed")
    commune.refresh_from_db()
    assert commune.email == ""
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_record_outside_a_transaction_is_refused(commune):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(obj=commune, actor=None, action="checked")
    assert not AuditRecord.objects.exists()


def test_it_stores_who_what_when_and_the_states(administrator, commune):
    record = _record(commune, actor=administrator)
    assert (record.actor_label, record.object_label, record.from_state, record.to_state) == (
        administrator.email,
        str(commune),
        "draft",
        "submitted",
    )
    assert record.at is not None


def test_staff_see_an_objects_history(staff_client, auditor, administrator, commune):
    organisation_update(actor=administrator, organisation_id=commune.pk, email="contact@anderlecht.be")
    client = staff_client(auditor)
    response = client.get(f"/en/staff/administration/history/core/organisation/{commune.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "contact@anderlecht.be" in content
    assert administrator.email in content


def test_applicants_never_see_the_history(client, commune_editor, commune):
    client.force_login(commune_editor)
    response = client.get(f"/en/staff/administration/history/core/organisation/{commune.pk}/")
    assert response.status_code == 403
