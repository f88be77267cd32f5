"""Payment orders: prepared from a due payable with the beneficiary's master data (IBAN checked), within what its
commitment leaves; four eyes (never one's own, a third person above the threshold, the controller's visa); a
rejection with its reason returns the order and frees the payable; a grant's tranche is paid with its payable."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import AuditRecord, BankAccount, Notification
from core.roles import StaffRole
from finance.models import OrderStatus, Payable, PayableStatus, PaymentOrder
from finance.services.orders import order_approve, order_prepare, order_reject
from finance.services.payments import payable_mark_paid
from grants.models import TrancheStatus
from tests.core.test_concurrency import run_together
from tests.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.finance.fixtures_orders import *  # noqa: F403
from tests.finance.fixtures_orders import approved, make_payable

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def prepared_count() -> int:
    return AuditRecord.objects.filter(action="prepared").count()


def with_national_check_wrong(bban: str) -> str:
    """A Belgian IBAN whose ISO check digits are right but whose national check digits (the last two) are not."""
    wrong = bban[:10] + f"{(int(bban[10:]) + 1) % 100:02d}"
    check = 98 - int(wrong + "1114" + "00") % 97  # B=11, E=14
    return f"BE{check:02d}{wrong}"


# Preparing -----------------------------------------------------------------------------------------------------


def test_an_order_copies_the_beneficiarys_account_and_the_payables_figures(payable, finance_officer):
    account = payable.beneficiary.bank_accounts.get()
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    order.refresh_from_db()
    assert (order.creditor_iban, order.creditor_bic, order.creditor_name) == (
        account.iban,
        "GKCCBEBB",
        account.holder,
    )
    assert order.amount == Decimal("200000.00") and order.commitment_id == payable.commitment_id
    assert order.budget_line.code == "10.005.27.02.43.21" and order.beneficiary == payable.beneficiary
    assert order.structured_communication == ""
    assert order.communication == "AAP-2026-SPORT-0003-T1 Avance (80 )"  # SEPA characters only
    assert re.fullmatch(rf"BPL-{TODAY().year}-{order.pk:08d}", order.end_to_end_id)
    assert order.status == OrderStatus.PREPARED and order.approvals_needed == 1
    assert order.prepared_by == finance_officer
    record = AuditRecord.objects.get(action="prepared")
    assert record.changes["amount"] == "200000.00" and record.actor == finance_officer


def test_the_bic_is_derived_from_the_iban_when_the_master_data_has_none(payable, finance_officer):
    BankAccount.objects.filter(organisation=payable.beneficiary).update(bic="")
    assert order_prepare(actor=finance_officer, payable_id=payable.pk).creditor_bic == "GKCCBEBB"


def test_the_same_idempotency_key_returns_the_same_order(payable, finance_officer):
    first = order_prepare(actor=finance_officer, payable_id=payable.pk, idempotency_key="form-1")
    again = order_prepare(actor=finance_officer, payable_id=payable.pk, idempotency_key="form-1")
    assert again.pk == first.pk and PaymentOrder.objects.count() == 1


def test_a_second_order_for_the_same_request_is_refused(payable, finance_officer):
    first = order_prepare(actor=finance_officer, payable_id=payable.pk)
    with pytest.raises(TransitionNotAllowed, match=f"already has a payment order \\({first.end_to_end_id}\\)"):
        order_prepare(actor=finance_officer, payable_id=payable.pk, idempotency_key="another")
    assert PaymentOrder.objects.count() == 1


def test_a_structured_communication_is_checked_and_kept_as_12_digits(payable, finance_officer):
    with pytest.raises(InvalidInput, match="check digits do not match"):
        order_prepare(actor=finance_officer, payable_id=payable.pk, structured_communication="+++123/4567/89012+++")
    assert not PaymentOrder.objects.exists()
    order = order_prepare(actor=finance_officer, payable_id=payable.pk, structured_communication="+++123/4567/89002+++")
    assert order.structured_communication == "123456789002"


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("BE68539007547035", "checksum"),  # one digit mistyped: the ISO check digits fail
        (with_national_check_wrong("539007547034"), "national"),  # ISO check right, Belgian check digits wrong
        ("BE6853900754", "length"),
    ],
)
def test_an_invalid_iban_is_refused_with_a_clear_message_and_nothing_is_stored(payable, finance_officer, iban, reason):
    BankAccount.objects.filter(organisation=payable.beneficiary).update(iban=iban, bic="")
    with pytest.raises(InvalidInput) as refused:
        order_prepare(actor=finance_officer, payable_id=payable.pk)
    message = str(refused.value)
    assert f"The bank account {iban} of Commune d'Evere is not valid" in message
    assert "correct it in its master data" in message and "Nothing was stored." in message
    assert reason in message.lower()
    assert not PaymentOrder.objects.exists() and prepared_count() == 0


def test_a_beneficiary_without_a_primary_account_is_refused(finance_officer):
    payable = make_payable(with_account=False)
    BankAccountFactory(organisation=payable.beneficiary, is_primary=False)
    with pytest.raises(InvalidInput, match="Commune d'Evere has no primary bank account: record one"):
        order_prepare(actor=finance_officer, payable_id=payable.pk)
    assert not PaymentOrder.objects.exists() and prepared_count() == 0


def test_an_order_over_what_its_commitment_leaves_unpaid_is_refused(payable, finance_officer):
    # 100.000,00 of the 250.000,00 commitment was paid outside this system (imported history): 150.000,00 is left.
    Payable.objects.create(
        commitment=payable.commitment,
        beneficiary=payable.beneficiary,
        amount=Decimal("100000.00"),
        reference="HIST-1",
        label="Paid in 2025",
        status=PayableStatus.PAID,
        paid_on=dt.date(2025, 12, 1),
        idempotency_key="history-1",
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        order_prepare(actor=finance_officer, payable_id=payable.pk)
    assert str(refused.value) == (
        "200.000,00 EUR is more than its commitment AAP-2026-SPORT-0003 leaves unpaid (150.000,00 EUR): "
        "no order is made."
    )
    assert not PaymentOrder.objects.exists()


def test_a_live_order_on_another_payable_counts_against_the_commitment(finance_officer):
    first = make_payable(amount="150000.00", commitment_amount="250000.00")
    second = Payable.objects.create(  # over the commitment together with the first (imported, not via the service)
        commitment=first.commitment,
        beneficiary=first.beneficiary,
        amount=Decimal("150000.00"),
        reference="AAP-2026-SPORT-0003-T2",
        label="Solde",
        idempotency_key="t2",
    )
    order_prepare(actor=finance_officer, payable_id=first.pk)
    with pytest.raises(TransitionNotAllowed, match=r"leaves unpaid \(100\.000,00 EUR\)"):
        order_prepare(actor=finance_officer, payable_id=second.pk)


def test_only_a_due_payable_gets_an_order(payable, finance_officer):
    payable_mark_paid(actor=finance_officer, payable_id=payable.pk, paid_on=TODAY())
    with pytest.raises(TransitionNotAllowed, match="not waiting to be paid"):
        order_prepare(actor=finance_officer, payable_id=payable.pk)


def test_only_finance_officers_prepare_orders(payable, approver, auditor):
    for person in (approver, auditor):
        with pytest.raises(NotPermitted, match="Only finance officers prepare"):
            order_prepare(actor=person, payable_id=payable.pk)
    assert not PaymentOrder.objects.exists()


def test_an_order_above_the_threshold_needs_two_approvals(finance_officer, settings):
    threshold = settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE
    assert threshold == Decimal("250000.00")
    at = order_prepare(actor=finance_officer, payable_id=make_payable(amount="250000.00", reference="A").pk)
    above = order_prepare(
        actor=finance_officer,
        payable_id=make_payable(amount="250000.01", commitment_amount="300000", reference="B").pk,
    )
    assert (at.approvals_needed, above.approvals_needed) == (1, 2)
    settings.BPL_PAYMENT_SECOND_APPROVAL_ABOVE = Decimal("1000.00")
    lowered = order_prepare(actor=finance_officer, payable_id=make_payable(amount="1000.01", reference="C").pk)
    assert lowered.approvals_needed == 2


# Four eyes -----------------------------------------------------------------------------------------------------


@pytest.fixture
def officer_and_approver(db):
    """Someone who holds both roles: still never approves what they prepared."""
    return UserFactory(email="both@bpl.brussels", roles=[StaffRole.FINANCE_OFFICER, StaffRole.FINANCE_APPROVER])


def test_the_preparer_cannot_approve_their_own_order(payable, officer_and_approver):
    order = order_prepare(actor=officer_and_approver, payable_id=payable.pk)
    with pytest.raises(NotPermitted, match="You prepared this payment order: another person approves it"):
        order_approve(actor=officer_and_approver, order_id=order.pk, visa_reference="V-1", visa_date=TODAY())
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED and order.first_approved_by is None and not order.visa_reference
    # The database refuses it too, whatever code writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=order.pk).update(first_approved_by=officer_and_approver)


def test_the_first_approval_records_the_controllers_visa(payable, finance_officer, approver):
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    with pytest.raises(InvalidInput) as refused:
        order_approve(actor=approver, order_id=order.pk, visa_reference=" ", visa_date=TODAY() + dt.timedelta(days=1))
    assert set(refused.value.extra["fields"]) == {"visa_reference", "visa_date"}
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED and order.first_approved_by is None
    approved_order = order_approve(actor=approver, order_id=order.pk, visa_reference="CF-2026/118", visa_date=TODAY())
    approved_order.refresh_from_db()
    assert approved_order.status == OrderStatus.APPROVED
    assert (approved_order.first_approved_by, approved_order.visa_reference, approved_order.visa_date) == (
        approver,
        "CF-2026/118",
        TODAY(),
    )
    with pytest.raises(TransitionNotAllowed, match="not waiting for an approval"):
        order_approve(actor=approver, order_id=order.pk, visa_reference="X", visa_date=TODAY())


def test_above_the_threshold_a_third_person_gives_the_second_approval(
    due_advance, finance_officer, approver, second_approver, officer_and_approver
):
    """The grant's first advance (800.000,00) is above 250.000,00: preparer, first and second approver differ."""
    order = order_prepare(actor=finance_officer, payable_id=due_advance.payable_id)
    assert order.approvals_needed == 2 and order.amount == Decimal("800000.00")
    order = order_approve(actor=approver, order_id=order.pk, visa_reference="CF-1", visa_date=TODAY())
    assert order.status == OrderStatus.PREPARED and order.first_approved_by == approver
    with pytest.raises(NotPermitted, match="You approved this payment order already"):
        order_approve(actor=approver, order_id=order.pk)
    with pytest.raises(NotPermitted, match="Only finance approvers"):
        order_approve(actor=finance_officer, order_id=order.pk)
    order = order_approve(actor=second_approver, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.second_approved_by == second_approver
    assert order.visa_reference == "CF-1"  # the first approval's visa stays
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=order.pk).update(second_approved_by=approver)


def test_an_approval_on_a_page_seen_before_another_approval_is_refused(
    due_advance, finance_officer, approver, second_approver
):
    order = order_prepare(actor=finance_officer, payable_id=due_advance.payable_id)
    order_approve(actor=approver, order_id=order.pk, visa_reference="CF-1", visa_date=TODAY(), seen_approvals=0)
    with pytest.raises(TransitionNotAllowed, match="Someone approved this payment order meanwhile"):
        order_approve(
            actor=second_approver, order_id=order.pk, visa_reference="CF-2", visa_date=TODAY(), seen_approvals=0
        )
    order.refresh_from_db()
    assert order.second_approved_by is None and order.status == OrderStatus.PREPARED


# Rejection -----------------------------------------------------------------------------------------------------


def test_a_rejection_needs_a_reason_returns_the_order_and_frees_the_payable(
    payable, finance_officer, approver, django_capture_on_commit_callbacks
):
    order = order_prepare(actor=finance_officer, payable_id=payable.pk)
    with pytest.raises(InvalidInput, match="Say why"):
        order_reject(actor=approver, order_id=order.pk, reason="  ")
    order.refresh_from_db()
    assert order.status == OrderStatus.PREPARED
    with pytest.raises(NotPermitted):
        order_reject(actor=finance_officer, order_id=order.pk, reason="mine")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_reject(actor=approver, order_id=order.pk, reason="The IBAN changed last week: call the commune.")
    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED and order.rejected_by == approver
    assert order.rejection_reason == "The IBAN changed last week: call the commune."
    notice = Notification.objects.get(recipient=finance_officer)
    assert notice.url.endswith(f"/staff/finance/orders/{order.pk}/")
    # The preparer reads it in their language (French here): the reason as the approver wrote it.
    assert order.end_to_end_id in notice.subject and "The IBAN changed last week" in notice.body_text
    (sent,) = mail.outbox
    assert sent.to == [finance_officer.email] and "The IBAN changed last week" in sent.body
    with pytest.raises(TransitionNotAllowed, match="can no longer be rejected"):
        order_reject(actor=approver, order_id=order.pk, reason="again")
    # The payable is free: a corrected order is a new one, with its own end-to-end id.
    again = order_prepare(actor=finance_officer, payable_id=payable.pk)
    assert again.pk != order.pk and again.end_to_end_id != order.end_to_end_id
    assert list(PaymentOrder.objects.order_by("pk").values_list("status", flat=True)) == ["rejected", "prepared"]


def test_an_approved_order_not_yet_batched_can_still_be_rejected(payable, finance_officer, approver):
    order = approved(payable, finance_officer, approver)
    rejected = order_reject(actor=approver, order_id=order.pk, reason="Duplicate of a manual transfer")
    assert rejected.status == OrderStatus.REJECTED


# The tranche moves forward when its payable is paid ------------------------------------------------------------


def test_paying_a_grants_advance_marks_its_tranche_paid_with_the_bank_date(
    due_advance, finance_officer, approver, second_approver
):
    assert due_advance.status == TrancheStatus.DUE
    order = order_prepare(actor=finance_officer, payable_id=due_advance.payable_id)
    order_approve(actor=approver, order_id=order.pk, visa_reference="CF-7", visa_date=TODAY())
    order_approve(actor=second_approver, order_id=order.pk)
    paid_on = TODAY() - dt.timedelta(days=1)
    payable_mark_paid(actor=finance_officer, payable_id=due_advance.payable_id, paid_on=paid_on)
    due_advance.refresh_from_db()
    assert due_advance.status == TrancheStatus.PAID and due_advance.payable.paid_on == paid_on
    record = AuditRecord.objects.get(action="tranche_paid")
    assert record.object_id == str(due_advance.award.application_id)
    assert record.changes == {"tranche": 1, "amount": "800000.00", "on": str(paid_on)}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_on == paid_on


def test_a_payable_that_is_no_tranche_leaves_the_grants_alone(payable, finance_officer):
    payable_mark_paid(actor=finance_officer, payable_id=payable.pk, paid_on=TODAY())
    assert not AuditRecord.objects.filter(action="tranche_paid").exists()


# Two people at once (PostgreSQL) -------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_one_wins(require_postgres, finance_officer, approver, second_approver):
    for attempt in range(3):
        payable = make_payable(reference=f"RACE-{attempt}", envelope_code=f"race-{attempt}")
        order = order_prepare(actor=finance_officer, payable_id=payable.pk)
        results = run_together(
            lambda o=order: order_approve(actor=approver, order_id=o.pk, visa_reference="V-A", visa_date=TODAY()),
            lambda o=order: order_approve(
                actor=second_approver, order_id=o.pk, visa_reference="V-B", visa_date=TODAY()
            ),
        )
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1 and isinstance(refused[0], TransitionNotAllowed), results
        order.refresh_from_db()
        assert order.status == OrderStatus.APPROVED and order.second_approved_by is None
        winner = next(r for r in results if not isinstance(r, Exception))
        assert order.first_approved_by == winner.first_approved_by
        assert order.visa_reference == ("V-A" if winner.first_approved_by == approver else "V-B")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_preparing_the_same_request_at_once_make_one_order(require_postgres, finance_officer):
    colleague = UserFactory(email="finance2@bpl.brussels", roles=[StaffRole.FINANCE_OFFICER])
    payable = make_payable(reference="RACE-P", beneficiary=OrganisationFactory())
    results = run_together(
        lambda: order_prepare(actor=finance_officer, payable_id=payable.pk),
        lambda: order_prepare(actor=colleague, payable_id=payable.pk),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], TransitionNotAllowed), results
    assert PaymentOrder.objects.filter(payable=payable).count() == 1
