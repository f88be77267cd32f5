"""The finance officers' "Payment requests" page: what is to be paid, the bank's payment date recorded per row
(a loan's drawdown is then booked and its schedule computed), and what was paid; refusals shown, nothing changed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from finance.models import Commitment, Payable, PayableStatus
from finance.services.commitments import payable_create
from loans.models import DrawdownStatus
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
from loans.services.schedules import current_schedule
from tests.factories import OrganisationFactory
from tests.factories.grants import BudgetLineFactory
from tests.loans import journey

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:finance:payables:{name}", args=args)


@pytest.fixture
def payable(db) -> Payable:
    """A payment request on a commitment, as grants or loans leave it for finance."""
    from finance.services.commitments import commitment_create, envelope_ensure

    envelope = envelope_ensure(
        code="call-sport", label="Sport", budget_line=BudgetLineFactory(), amount=Decimal("1000000")
    )
    commitment = commitment_create(
        envelope_id=envelope.pk,
        beneficiary=OrganisationFactory(name_fr="Commune d'Evere", name_nl="Gemeente Evere"),
        amount=Decimal("250000.00"),
        reference="AAP-2026-SPORT-0003",
        key="commitment-3",
    )
    return payable_create(
        commitment=commitment,
        amount=Decimal("200000.00"),
        reference="AAP-2026-SPORT-0003-T1",
        label="Advance (80 %)",
        key="tranche-3-1",
    )


def test_a_finance_officer_sees_what_is_to_be_paid_and_records_the_bank_date(staff_client, finance_officer, payable):
    client = staff_client(finance_officer)
    page = client.get(url("index")).content.decode()
    for shown in ("AAP-2026-SPORT-0003-T1", "Commune d&#x27;Evere", "Advance (80 %)", "200.000,00 EUR"):
        assert shown in page
    assert timezone.localtime(payable.due_since).strftime("%d/%m/%Y") in page
    assert url("paid", payable.pk) in page
    paid_on = timezone.localdate() - dt.timedelta(days=2)
    response = client.post(url("paid", payable.pk), {"paid_on": paid_on.isoformat()})
    assert response.status_code == 302
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID and payable.paid_on == paid_on
    page = client.get(url("index")).content.decode()
    assert "Nothing is waiting to be paid." in page
    assert paid_on.strftime("%d/%m/%Y") in page  # listed below with its date


@pytest.mark.parametrize(
    ("paid_on", "shown"),
    [
        (
            (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "Give the bank&#x27;s payment date (not in the future).",
        ),
        ("", "Give the bank&#x27;s payment date (not in the future)."),
        ("31/02/2026", "Enter a valid date."),
    ],
)
def test_a_wrong_payment_date_is_refused_and_nothing_changes(staff_client, finance_officer, payable, paid_on, shown):
    response = staff_client(finance_officer).post(url("paid", payable.pk), {"paid_on": paid_on})
    assert response.status_code == 400
    page = response.content.decode()
    assert shown in page and "Nothing was recorded." in page
    payable.refresh_from_db()
    assert payable.status == PayableStatus.DUE and payable.paid_on is None


def test_a_payment_is_recorded_once(staff_client, finance_officer, payable):
    client = staff_client(finance_officer)
    today = timezone.localdate().isoformat()
    assert client.post(url("paid", payable.pk), {"paid_on": today}).status_code == 302
    response = client.post(url("paid", payable.pk), {"paid_on": "2020-01-01"})
    assert response.status_code == 400
    assert "This payment request is not waiting to be paid." in response.content.decode()
    payable.refresh_from_db()
    assert payable.paid_on == timezone.localdate()


def test_readers_see_the_page_without_acting_and_others_are_refused(
    staff_client, auditor, loan_analyst, client, commune_editor, payable
):
    page = staff_client(auditor).get(url("index")).content.decode()
    assert "AAP-2026-SPORT-0003-T1" in page and url("paid", payable.pk) not in page
    assert (
        staff_client(auditor).post(url("paid", payable.pk), {"paid_on": timezone.localdate().isoformat()}).status_code
        == 403
    )
    assert staff_client(loan_analyst).get(url("index")).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("index")).status_code == 403
    payable.refresh_from_db()
    assert payable.status == PayableStatus.DUE


def test_paying_a_loans_drawdown_books_it_and_computes_the_schedule(
    staff_client,
    loan_process,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    finance_officer,
    django_capture_on_commit_callbacks,
):
    from tests.loans.fixtures import publish_sports_product

    version = publish_sports_product(
        code="small", rate=Decimal("0.030000"), term_months=24, uses_borrowing_capacity=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(
            version, commune, commune_editor, signatory, projects=[journey.project(cost="100000", requested="100000")]
        )
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    loan = journey.active_loan(application, signatory, loan_analyst)
    drawdown = drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount="100000.00",
        invoices=[InvoiceIn(reference="F-1", amount="100000.00", upload=journey.pdf("invoice.pdf"))],
    )
    drawdown = drawdown_approve(actor=loan_analyst, drawdown_id=drawdown.pk)
    client = staff_client(finance_officer)
    assert drawdown.payable.reference in client.get(url("index")).content.decode()

    paid_on = timezone.localdate() - dt.timedelta(days=3)
    assert client.post(url("paid", drawdown.payable_id), {"paid_on": paid_on.isoformat()}).status_code == 302
    drawdown.refresh_from_db()
    loan.refresh_from_db()
    assert drawdown.status == DrawdownStatus.PAID and drawdown.paid_on == paid_on and loan.start_date == paid_on
    lines = list(current_schedule(loan).lines.order_by("n"))
    assert [line.payment for line in lines] == [Decimal("52261.08"), Decimal("52261.09")]
    assert Commitment.objects.get(pk=drawdown.payable.commitment_id).payables.get().status == PayableStatus.PAID


def test_the_page_runs_a_fixed_number_of_queries(staff_client, finance_officer, payable, django_assert_max_num_queries):
    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            payable_create(
                commitment=payable.commitment,
                amount=Decimal("10.00"),
                reference=f"AAP-2026-SPORT-0003-X{number}",
                label=f"Extra {number}",
                key=f"extra-{number}",
            )

    client = staff_client(finance_officer)
    add(2, 1)
    with django_assert_max_num_queries(25) as few:
        assert client.get(url("index")).status_code == 200
    add(30, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url("index")).content.decode()
    assert "AAP-2026-SPORT-0003-X32" in page
