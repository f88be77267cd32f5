import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from viewflow.workflow.models import Task

from core import demo
from core.models import BankAccount, Membership, Organisation, OrganisationKind, User
from core.roles import StaffRole, role_permissions
from grants.models import Application

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(Organisation.objects.values_list("id", "code", "kind", "name_fr", "name_nl", "parent_id"))


def test_reference_data_loads_every_local_authority_once():
    call_command("seed_reference_data", verbosity=0)
    first = _snapshot()
    call_command("seed_reference_data", verbosity=0)
    assert _snapshot() == first
    counts = {kind: Organisation.objects.filter(kind=kind).count() for kind in OrganisationKind.values}
    assert counts[OrganisationKind.COMMUNE] == 19
    assert counts[OrganisationKind.CPAS] == 19
    assert counts[OrganisationKind.POLICE_ZONE] == 6
    assert counts[OrganisationKind.INTERCOMMUNALE] >= 2
    assert Organisation.objects.get(code="commune-forest").name_nl == "Gemeente Vorst"
    assert Organisation.objects.get(code="cpas-ixelles").parent.code == "commune-ixelles"


def test_reference_data_never_invents_enterprise_numbers():
    call_command("seed_reference_data", verbosity=0)
    assert set(Organisation.objects.values_list("kbo_number", flat=True)) == {""}


def test_reseeding_keeps_what_staff_completed():
    call_command("seed_reference_data", verbosity=0)
    Organisation.objects.filter(code="commune-jette").update(kbo_number="0403019261")
    call_command("seed_reference_data", verbosity=0)
    assert Organisation.objects.get(code="commune-jette").kbo_number == "0403019261"


def test_every_staff_role_is_a_group_with_its_declared_permissions():
    call_command("seed_reference_data", verbosity=0)
    declared = role_permissions()
    for role in StaffRole.values:
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(declared[role]), role
    assert "core.manage_members" in declared[StaffRole.ADMINISTRATOR]
    assert "core.manage_members" not in declared[StaffRole.REVIEWER]


@pytest.mark.django_db(transaction=True)  # the demo submits applications: their after-commit work must run
def test_demo_data_gives_a_login_to_every_persona_and_is_idempotent(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    call_command("seed_demo", quiet_logins=True)
    for person in demo.APPLICANTS + demo.STAFF:
        assert person.email in out
        assert User.objects.get(email=person.email).check_password(demo.DEMO_PASSWORD)
    assert User.objects.count() == len(demo.APPLICANTS) + len(demo.STAFF)
    assert Membership.objects.count() == len(demo.APPLICANTS)
    assert BankAccount.objects.count() == len(demo.DEMO_ACCOUNTS)
    for person in demo.STAFF:
        user = User.objects.get(email=person.email)
        assert user.is_staff
        assert set(user.groups.values_list("name", flat=True)) == set(person.roles)
    roles_covered = {role for person in demo.STAFF for role in person.roles}
    assert roles_covered == set(StaffRole.values)
    statuses = sorted(Application.objects.values_list("status", flat=True))
    assert statuses == ["awarded", "draft", "eligible", "info_requested", "reviewed", "submitted"]
    # One application to check, two reviewer places on the eligible one, one justification to check.
    grant_tasks = Task.objects.filter(
        flow_task_type="HUMAN", status="NEW", process__case__process_version__key="grant_application"
    )
    assert grant_tasks.count() == 4
    self_check_loans()


def self_check_loans() -> None:
    """The loan demo: an application at every step, and an active loan in arrears with a drawdown to approve."""
    from loans.ledger import owed_by_installment
    from loans.models import Loan, LoanApplication

    statuses = sorted(LoanApplication.objects.values_list("status", flat=True))
    assert statuses == ["analysed", "approved", "contracted", "draft", "submitted"]
    steps = Task.objects.filter(flow_task_type="HUMAN", status="NEW", process__case__process_version__key="frbrtc_loan")
    assert sorted(str(task.flow_task.name) for task in steps) == ["check_eligibility"]
    loan = Loan.objects.get()
    assert [owed.total > 0 for owed in owed_by_installment(loan)] == [True]
    assert list(loan.drawdowns.order_by("number").values_list("status", flat=True)) == ["paid", "requested"]
    assert loan.application.convention.signed_document
