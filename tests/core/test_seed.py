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
    self_check_finance()


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


def self_check_finance() -> None:
    """The finance demo (run twice above: nothing doubled): the year's credits, a payment order at every state, the
    grant's advance paid through a downloaded batch and a camt.053 statement, an instalment repaid by its structured
    communication, and one line left for the manual matching page."""
    from django.conf import settings
    from django.utils import timezone

    from finance.models import (
        BankStatement,
        BudgetCredit,
        BudgetLine,
        MatchMethod,
        OrderStatus,
        PayableStatus,
        PaymentBatch,
        PaymentOrder,
        StatementLine,
    )
    from finance.services.matching import left_to_match
    from grants.models import Tranche, TrancheStatus
    from loans.models import Loan

    year = timezone.localdate().year
    credited = set(BudgetCredit.objects.filter(year=year).values_list("budget_line__code", flat=True))
    assert credited == set(BudgetLine.objects.values_list("code", flat=True))
    assert sorted(PaymentOrder.objects.values_list("status", flat=True)) == [
        "approved",
        "paid",
        "paid",
        "prepared",
        "rejected",
    ]
    # Waiting for both approvers (the demo has two besides the preparer).
    waiting = PaymentOrder.objects.get(status=OrderStatus.PREPARED)
    assert waiting.amount > settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE
    assert (waiting.approvals_needed, waiting.first_approved_by_id) == (2, None)
    approvers = User.objects.filter(groups__name=StaffRole.FINANCE_APPROVER).exclude(pk=waiting.prepared_by_id)
    assert approvers.count() == 2
    approved = PaymentOrder.objects.get(status=OrderStatus.APPROVED)
    assert approved.visa_reference and approved.batch_id is None
    rejected = PaymentOrder.objects.get(status=OrderStatus.REJECTED)
    assert rejected.rejection_reason and rejected.rejected_by_id
    assert rejected.payable.status == PayableStatus.DUE  # free for a corrected order
    # The grant's advance: in the batch, paid with the bank's value date, its tranche paid.
    batch = PaymentBatch.objects.get()
    assert batch.downloaded_at is not None
    advance = Tranche.objects.select_related("payable").get(number=1, payable__isnull=False)
    assert advance.status == TrancheStatus.PAID
    advance_order = PaymentOrder.objects.get(payable=advance.payable_id, status=OrderStatus.PAID)
    assert advance_order.batch_id == batch.pk
    for order in batch.orders.all():
        (match,) = order.matches.select_related("line")
        assert (order.status, match.method, match.amount) == (OrderStatus.PAID, MatchMethod.END_TO_END, order.amount)
        assert order.paid_on == match.line.value_date == order.payable.paid_on < timezone.localdate()
    # The bank's side: a statement per account; an instalment repaid, one line left to match by hand.
    assert sorted(BankStatement.objects.values_list("account__purpose", "format")) == [
        ("frbrtc", "camt053"),
        ("payments", "camt053"),
    ]
    loan = Loan.objects.get()
    (repaid,) = StatementLine.objects.filter(matches__method=MatchMethod.STRUCTURED)
    (repayment_match,) = repaid.matches.all()
    assert (repayment_match.loan_id, repayment_match.amount) == (loan.pk, repaid.amount)
    assert repayment_match.repayment.amount == repaid.amount
    left = [line for line in StatementLine.objects.all() if left_to_match(line) > 0]
    assert len(left) == 1 and not left[0].matches.exists() and left[0].amount > 0
