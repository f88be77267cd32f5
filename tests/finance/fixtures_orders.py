"""People, accounts and payment requests for the payment order, batch and budget tests: a plain payable on a
commitment, a grant's advance made due through the grant process, and a loan's approved drawdown."""

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.models import Organisation
from core.roles import StaffRole
from finance.models import Payable, PaymentOrder, TreasuryAccount
from finance.seed import seed_treasury_accounts
from finance.services.commitments import commitment_create, envelope_ensure, payable_create
from finance.services.orders import order_approve, order_prepare
from tests.factories import BankAccountFactory, OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory

GOOD = {"coverage": "8", "supralocal": "5", "tariff": "5"}


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The messages matched in the tests are the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def approver(db):
    return UserFactory(
        email="approver@bpl.brussels", first_name="Bart", last_name="Jacobs", roles=[StaffRole.FINANCE_APPROVER]
    )


@pytest.fixture
def second_approver(db):
    return UserFactory(email="approver2@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])


@pytest.fixture
def accounts(db) -> dict[str, TreasuryAccount]:
    return {account.purpose: account for account in seed_treasury_accounts()}


def make_payable(
    *,
    amount: str = "200000.00",
    commitment_amount: str = "250000.00",
    beneficiary=None,
    with_account: bool = True,
    reference: str = "AAP-2026-SPORT-0003",
    budget_line=None,
    envelope_code: str = "call-sport",
) -> Payable:
    """A payment request on its own commitment, the beneficiary with a primary Belfius account."""
    organisation = (
        beneficiary
        or Organisation.objects.filter(name_fr="Commune d'Evere").first()
        or OrganisationFactory(name_fr="Commune d'Evere", name_nl="Gemeente Evere")
    )
    if with_account and not organisation.bank_accounts.exists():
        BankAccountFactory(organisation=organisation)
    envelope = envelope_ensure(
        code=envelope_code, label="Sport", budget_line=budget_line or BudgetLineFactory(), amount=Decimal("50000000")
    )
    commitment = commitment_create(
        envelope_id=envelope.pk,
        beneficiary=organisation,
        amount=Decimal(commitment_amount),
        reference=reference,
        key=f"commitment:{reference}",
    )
    return payable_create(
        commitment=commitment,
        amount=Decimal(amount),
        reference=f"{reference}-T1",
        label="Avance (80 %)",
        key=f"payable:{reference}",
    )


@pytest.fixture
def payable(db) -> Payable:
    return make_payable()


def approved(payable: Payable, officer, approver, *, structured: str = "") -> PaymentOrder:
    order = order_prepare(actor=officer, payable_id=payable.pk, structured_communication=structured)
    return order_approve(
        actor=approver, order_id=order.pk, visa_reference=f"VISA-{order.pk}", visa_date=timezone.localdate()
    )


# Real sources: a grant's advance and a loan's drawdown ---------------------------------------------------------


@pytest.fixture
def due_advance(
    sports_call, commune, commune_editor, signatory, eligibility_officer, django_capture_on_commit_callbacks
):
    """The first advance (80 % of 1.000.000,00) of a grant taken through the process and claimed: a due payable."""
    from grants.services.awards import approval_record, missing_levels
    from grants.services.committee import (
        agenda_from_ranking,
        attendance_record,
        item_decide,
        session_close,
        session_create,
    )
    from grants.services.tranches import tranche_claim
    from tests.grants.journey import make_eligible, new_application, review, reviewers

    capture = django_capture_on_commit_callbacks
    BankAccountFactory(organisation=commune, holder="Commune d'Anderlecht")
    call_manager = UserFactory(email="calls@bpl.brussels", roles=[StaffRole.CALL_MANAGER])
    secretary = UserFactory(email="secretary@bpl.brussels", roles=[StaffRole.COMMITTEE_SECRETARY])
    members = [UserFactory(email=f"member{n}@bpl.brussels", roles=[StaffRole.COMMITTEE_MEMBER]) for n in range(3)]
    application = new_application(sports_call, commune, commune_editor, signatory, capture)
    make_eligible(application, eligibility_officer, capture)
    review(application, reviewers(2), call_manager, [GOOD, GOOD], capture)
    session = session_create(
        actor=secretary,
        call_id=application.call_version.call_id,
        held_at=timezone.now(),
        place="Room 1",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = agenda_from_ranking(actor=secretary, session_id=session.pk)
    attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    item_decide(actor=secretary, item_id=item.pk, decision="approved", amount="1000000")
    with capture(execute=True):
        session_close(actor=secretary, session_id=session.pk)
    application.refresh_from_db()
    award = application.award
    for level in missing_levels(award):
        with capture(execute=True):
            approval_record(
                actor=call_manager, award_id=award.pk, level_id=level.pk, given_on=timezone.localdate(), reference="R"
            )
    advance = award.tranches.get(number=1)
    tranche_claim(actor=signatory, tranche_id=advance.pk)
    advance.refresh_from_db()
    return advance


@pytest.fixture
def approved_drawdown(
    sports_product, shares, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks
):
    """A loan of 1.000.000,00 to the commune, active, with an approved drawdown of 150.000,00: a due payable."""
    from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
    from tests.loans import journey

    capture = django_capture_on_commit_callbacks
    if not commune.bank_accounts.exists():
        BankAccountFactory(organisation=commune, holder="Commune d'Anderlecht")
    with capture(execute=True):
        application = journey.submitted(sports_product, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    application.refresh_from_db()
    with capture(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    drawdown = drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount="150000.00",
        invoices=[InvoiceIn(reference="F-2026-7", amount="150000.00", upload=journey.pdf("invoice.pdf"))],
    )
    return drawdown_approve(actor=loan_analyst, drawdown_id=drawdown.pk)


__all__ = [
    "_messages_in_english",
    "accounts",
    "approved_drawdown",
    "approver",
    "due_advance",
    "payable",
    "second_approver",
]
