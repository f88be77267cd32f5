import pytest

from core.errors import InvalidInput, NotPermitted
from core.models import AuditRecord
from core.roles import StaffRole, is_staff_member, staff_roles_of
from core.services.users import staff_roles_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_gives_and_takes_staff_roles(administrator):
    person = UserFactory()
    staff_roles_set(actor=administrator, user_id=person.pk, roles=[StaffRole.REVIEWER, StaffRole.AUDITOR])
    person.refresh_from_db()
    assert sorted(staff_roles_of(person)) == ["auditor", "reviewer"]
    assert is_staff_member(person)
    assert person.has_perm("core.view_auditrecord")
    staff_roles_set(actor=administrator, user_id=person.pk, roles=[])
    person.refresh_from_db()
    assert staff_roles_of(person) == []
    assert not person.is_staff
    changes = [r.changes["roles"] for r in AuditRecord.objects.for_object(person).order_by("id")]
    assert changes == [[[], ["auditor", "reviewer"]], [["auditor", "reviewer"], []]]


def test_other_staff_cannot_give_roles(eligibility_officer):
    person = UserFactory()
    with pytest.raises(NotPermitted):
        staff_roles_set(actor=eligibility_officer, user_id=person.pk, roles=[StaffRole.ADMINISTRATOR])
    person.refresh_from_db()
    assert staff_roles_of(person) == []


def test_an_unknown_role_is_refused(administrator):
    person = UserFactory()
    with pytest.raises(InvalidInput):
        staff_roles_set(actor=administrator, user_id=person.pk, roles=["king"])
    assert not AuditRecord.objects.exists()
