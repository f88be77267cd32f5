"""Write-offs and reversals through the API: the staff loan page's two other money events, through its services and
permission checks. What was booked is answered and checked in the ledger; bad input is a 400 with nothing booked; a
role is a 403, a member a 404, a state a 409; a retry with the same Idempotency-Key books nothing again."""

from decimal import Decimal

import pytest
from django.utils import timezone

from api.models import IdempotencyRecord
from core.models import AuditRecord
from core.roles import StaffRole
from loans.ledger import balances, owed_by_installment
from loans.models import EntryKind, LedgerEntry, LoanStatus
from loans.services.ledger import entry_book
from loans.services.repayments import write_off_record
from loans.services.schedules import current_schedule
from tests.api.test_loans import loan, matrix_loan, staff  # noqa: F401  # fixtures shared with the loans tests

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def today() -> str:
    return timezone.localdate().isoformat()


def write_off_url(loan) -> str:  # noqa: F811
    return f"/api/v1/loans/{loan.pk}/write-offs/"


def reversal_url(loan) -> str:  # noqa: F811
    return f"/api/v1/loans/{loan.pk}/reversals/"


def owed_on(loan, n: int) -> Decimal:  # noqa: F811
    return sum((o.total for o in owed_by_installment(loan) if o.installment.n == n), Decimal("0.00"))


def repayment_event(loan) -> str:  # noqa: F811
    return f"repayment:{loan.repayments.get().pk}"


# --- write-offs -----------------------------------------------------------------------------------------------------


def test_an_analyst_writes_off_an_instalment_once(token_client, loan, loan_analyst):  # noqa: F811
    assert owed_on(loan, 1) > 0
    client = token_client(loan_analyst)
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today(), "installment": 1}
    first = client.post(write_off_url(loan), body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    assert first.status_code == 201, first.json()
    answer = first.json()
    booked = list(LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF))
    assert [entry["id"] for entry in answer["entries"]] == [entry.pk for entry in booked]
    [entry] = answer["entries"]
    assert entry["kind"] == "write_off" and entry["installment"] == 1
    assert entry["decision_reference"] == "AGRBC 2026/400" and entry["value_date"] == today()
    assert answer["loan_status"] == "active"
    # The instalment owes nothing any more: the write-off took exactly what it owed, late interest included.
    assert owed_on(loan, 1) == 0
    assert booked[0].created_by == loan_analyst and booked[0].decision_reference == "AGRBC 2026/400"
    assert current_schedule(loan).reason == "write_off"
    size = LedgerEntry.objects.filter(loan=loan).count()

    again = client.post(write_off_url(loan), body, format="json", HTTP_IDEMPOTENCY_KEY="wo-1")
    assert again.status_code == 201 and again.json() == answer and again["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(loan=loan).count() == size
    assert IdempotencyRecord.objects.filter(key="wo-1").count() == 1

    other = client.post(
        write_off_url(loan),
        {**body, "decision_reference": "AGRBC 2026/401"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="wo-1",
    )
    assert other.status_code == 422
    # Without the key, the same write-off again is refused by the state: the instalment owes nothing.
    conflict = client.post(write_off_url(loan), body, format="json", **EN)
    assert conflict.status_code == 409
    assert conflict.json()["message"] == "This instalment owes nothing that could be written off."
    assert LedgerEntry.objects.filter(loan=loan).count() == size
    assert AuditRecord.objects.filter(action="written_off").count() == 1


def test_a_finance_approver_writes_off_the_whole_loan(token_client, loan):  # noqa: F811
    approver = staff(StaffRole.FINANCE_APPROVER)
    outstanding = balances(loan).total
    assert outstanding > 0
    client = token_client(approver)
    body = {"decision_reference": "AGRBC 2026/401", "decided_on": today(), "installment": None}
    response = client.post(write_off_url(loan), body, format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["loan_status"] == "written_off"
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert balances(loan).total == Decimal("0.00")
    entries = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF).order_by("id")
    assert [entry["id"] for entry in answer["entries"]] == [entry.pk for entry in entries]
    # The principal to come is written off by an entry of no instalment.
    assert answer["entries"][-1]["installment"] is None and Decimal(answer["entries"][-1]["principal"]) < 0
    assert {entry.decision_reference for entry in entries} == {"AGRBC 2026/401"}
    size = LedgerEntry.objects.filter(loan=loan).count()
    conflict = client.post(write_off_url(loan), body, format="json", **EN)
    assert conflict.status_code == 409 and conflict.json()["message"] == "This loan is not active."
    assert LedgerEntry.objects.filter(loan=loan).count() == size


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"decided_on": "TODAY"}, "decision_reference", "This field is required."),
        (
            {"decision_reference": " ", "decided_on": "TODAY"},
            "decision_reference",
            "A write-off needs the reference and the date of its decision.",
        ),
        ({"decision_reference": ["AGRBC"], "decided_on": "TODAY"}, "decision_reference", "Not a valid string."),
        ({"decision_reference": "AGRBC 1", "decided_on": "hier"}, "decided_on", None),
        ({"decision_reference": "AGRBC 1"}, "decided_on", "This field is required."),
        ({"decision_reference": "AGRBC 1", "decided_on": "TODAY", "installment": "one"}, "installment", None),
        (
            {"decision_reference": "AGRBC 1", "decided_on": "TODAY", "installment": 99},
            "installment",
            "This loan has no instalment 99 in force.",
        ),
        (
            {"decision_reference": "AGRBC 1", "decided_on": "2999-01-01"},
            "value_date",
            "Give the value date of the payment (not in the future).",
        ),
        ({"decision_reference": "AGRBC 1", "decided_on": "TODAY", "amount": "1.00"}, "amount", "Unknown field."),
    ],
)
def test_a_wrong_write_off_is_a_400_and_books_nothing(
    token_client,
    loan,  # noqa: F811
    loan_analyst,
    body,
    field,
    message,
):
    body = {name: today() if value == "TODAY" else value for name, value in body.items()}
    size = LedgerEntry.objects.filter(loan=loan).count()
    response = token_client(loan_analyst).post(write_off_url(loan), body, format="json", **EN)
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert field in payload["extra"]["fields"]
    if message:
        assert message in payload["message"] or message in str(payload["extra"])
    assert LedgerEntry.objects.filter(loan=loan).count() == size
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE


def test_who_writes_off(token_client, loan, finance_officer, auditor, signatory, other_commune_editor):  # noqa: F811
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today()}
    refused = token_client(finance_officer).post(write_off_url(loan), body, format="json", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only those entitled to record write-offs can do this."
    assert token_client(auditor).post(write_off_url(loan), body, format="json").status_code == 403
    assert token_client(staff(StaffRole.CALL_MANAGER)).post(write_off_url(loan), body, format="json").status_code == 403
    for member in (signatory, other_commune_editor):
        assert token_client(member).post(write_off_url(loan), body, format="json").status_code == 404
    assert not LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).exists()


def test_a_read_only_token_writes_nothing_off(token_client, loan, loan_analyst):  # noqa: F811
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today()}
    assert token_client(loan_analyst, "read").post(write_off_url(loan), body, format="json").status_code == 403
    assert not LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).exists()


def test_a_loan_that_is_not_active_is_not_written_off(token_client, loan, loan_analyst):  # noqa: F811
    loan.status = LoanStatus.REPAID
    loan.save(update_fields=["status"])
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today(), "installment": 1}
    response = token_client(loan_analyst).post(write_off_url(loan), body, format="json", **EN)
    assert response.status_code == 409 and response.json()["message"] == "This loan is not active."
    assert not LedgerEntry.objects.filter(kind=EntryKind.WRITE_OFF).exists()


def test_an_unknown_loan_is_a_404(token_client, loan, loan_analyst):  # noqa: F811
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today()}
    client = token_client(loan_analyst)
    assert client.post(f"/api/v1/loans/{loan.pk + 1000}/write-offs/", body, format="json").status_code == 404
    assert client.post(f"/api/v1/loans/{loan.pk + 1000}/reversals/", {}, format="json").status_code == 404


# --- reversals ------------------------------------------------------------------------------------------------------


def test_finance_reverses_a_repayment_with_new_entries_once(token_client, loan, finance_officer):  # noqa: F811
    event = repayment_event(loan)
    originals = list(LedgerEntry.objects.filter(loan=loan, event=event, kind=EntryKind.REPAYMENT).order_by("id"))
    assert originals
    before = [(e.pk, e.principal, e.interest, e.late_interest) for e in LedgerEntry.objects.filter(loan=loan)]
    owed = owed_on(loan, 1)
    client = token_client(finance_officer)
    body = {"event": event, "reason": "Paid twice by the bank."}
    first = client.post(reversal_url(loan), body, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert answer["loan_status"] == "active"
    reversals = list(LedgerEntry.objects.filter(loan=loan, kind=EntryKind.REVERSAL).order_by("id"))
    assert [entry["id"] for entry in answer["entries"]] == [entry.pk for entry in reversals]
    assert [entry["reverses"] for entry in answer["entries"]] == [entry.pk for entry in originals]
    assert {entry["note"] for entry in answer["entries"]} == {"Paid twice by the bank."}
    for original, reversal in zip(originals, reversals, strict=True):
        assert reversal.event == event and reversal.created_by == finance_officer
        assert (reversal.principal, reversal.interest) == (-original.principal, -original.interest)
    # New entries only: every entry booked before is still there, unchanged.
    after = {e.pk: (e.pk, e.principal, e.interest, e.late_interest) for e in LedgerEntry.objects.filter(loan=loan)}
    assert [after[pk] for pk, *_rest in before] == before and len(after) == len(before) + len(originals)
    assert owed_on(loan, 1) == owed + Decimal("10000.00")

    again = client.post(reversal_url(loan), body, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert again.status_code == 201 and again.json() == answer and again["Idempotent-Replayed"] == "true"
    other = client.post(reversal_url(loan), {**body, "reason": "Other."}, format="json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert other.status_code == 422
    # Reversed already: without the key, the state refuses it.
    conflict = client.post(reversal_url(loan), body, format="json", **EN)
    assert conflict.status_code == 409
    assert conflict.json()["message"] == "There is nothing left to reverse in this event."
    assert LedgerEntry.objects.filter(loan=loan).count() == len(before) + len(originals)


def test_a_write_off_is_reversed_by_those_who_write_off(token_client, loan, loan_analyst, finance_officer):  # noqa: F811
    write_off_record(
        actor=loan_analyst, loan_id=loan.pk, decision_reference="AGRBC 2026/401", decided_on=timezone.localdate()
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    event = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF).values_list("event", flat=True).first()
    written_off = LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF).count()
    body = {"event": event, "reason": "Decision annulled."}
    # A finance officer reverses repayments, not write-offs: the service's own check.
    refused = token_client(finance_officer).post(reversal_url(loan), body, format="json", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only those entitled to record write-offs can do this."
    approver = staff(StaffRole.FINANCE_APPROVER)
    response = token_client(approver).post(reversal_url(loan), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["loan_status"] == "active" and len(response.json()["entries"]) == written_off
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and balances(loan).principal > 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"event": "EVENT"}, "reason", "This field is required."),
        ({"reason": "Bounced."}, "event", "This field is required."),
        ({"event": "EVENT", "reason": " "}, "reason", "Say why the entry is reversed."),
        ({"event": ["EVENT"], "reason": "Bounced."}, "event", "Not a valid string."),
        ({"event": "EVENT", "reason": {"why": "x"}}, "reason", "Not a valid string."),
        ({"event": 17, "reason": "Bounced."}, "event", "is not a repayment or a write-off of this loan."),
        ({"event": "DRAWDOWN", "reason": "Bounced."}, "event", "is not a repayment or a write-off of this loan."),
        ({"event": "OTHER", "reason": "Bounced."}, "event", "is not a repayment or a write-off of this loan."),
        ({"event": "EVENT", "reason": "Bounced.", "entry": 3}, "entry", "Unknown field."),
    ],
)
def test_a_wrong_reversal_is_a_400_and_books_nothing(
    token_client,
    loan,  # noqa: F811
    matrix_loan,  # noqa: F811
    finance_officer,
    body,
    field,
    message,
):
    # A repayment of another loan: its event is not this loan's.
    entry_book(
        loan=matrix_loan,
        kind=EntryKind.REPAYMENT,
        event="repayment:424242",
        key="other-loan",
        value_date=timezone.localdate(),
        principal=Decimal("-1.00"),
    )
    events = {
        "EVENT": repayment_event(loan),
        "DRAWDOWN": LedgerEntry.objects.get(loan=loan, kind=EntryKind.DRAWDOWN).event,
        "OTHER": "repayment:424242",
    }
    body = {name: events.get(value, value) if isinstance(value, str) else value for name, value in body.items()}
    size = LedgerEntry.objects.count()
    response = token_client(finance_officer).post(reversal_url(loan), body, format="json", **EN)
    assert response.status_code == 400, response.json()
    payload = response.json()
    assert field in payload["extra"]["fields"]
    assert message in payload["message"] or message in str(payload["extra"])
    assert LedgerEntry.objects.count() == size


def test_who_reverses(token_client, loan, auditor, signatory, other_commune_editor):  # noqa: F811
    body = {"event": repayment_event(loan), "reason": "Bounced."}
    refused = token_client(auditor).post(reversal_url(loan), body, format="json", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only those who record repayments or write-offs reverse them."
    assert token_client(staff(StaffRole.REVIEWER)).post(reversal_url(loan), body, format="json").status_code == 403
    for member in (signatory, other_commune_editor):
        assert token_client(member).post(reversal_url(loan), body, format="json").status_code == 404
    # A finance approver reverses write-offs, not repayments: the service's own check.
    approver = staff(StaffRole.FINANCE_APPROVER)
    refused = token_client(approver).post(reversal_url(loan), body, format="json", **EN)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only loan analysts and finance officers record repayments."
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_a_read_only_token_reverses_nothing(token_client, loan, finance_officer):  # noqa: F811
    body = {"event": repayment_event(loan), "reason": "Bounced."}
    assert token_client(finance_officer, "read").post(reversal_url(loan), body, format="json").status_code == 403
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_a_write_off_reversed_then_made_again_the_same_day_is_booked_anew(token_client, loan, loan_analyst):  # noqa: F811
    client = token_client(loan_analyst)
    body = {"decision_reference": "AGRBC 2026/400", "decided_on": today(), "installment": 1}
    first = client.post(write_off_url(loan), body, format="json").json()["entries"]
    reversed_ = client.post(reversal_url(loan), {"event": first[0]["event"], "reason": "Annulled."}, format="json")
    assert reversed_.status_code == 201
    assert owed_on(loan, 1) > 0
    again = client.post(write_off_url(loan), {**body, "decision_reference": "AGRBC 2026/402"}, format="json")
    assert again.status_code == 201, again.json()
    [entry] = again.json()["entries"]
    assert entry["id"] != first[0]["id"] and entry["event"] != first[0]["event"]
    assert entry["decision_reference"] == "AGRBC 2026/402"
    assert owed_on(loan, 1) == 0
    assert LedgerEntry.objects.filter(loan=loan, kind=EntryKind.WRITE_OFF).count() == 2
