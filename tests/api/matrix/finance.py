"""Matrix rows: finance, staff only. Members get 404s; the finance readers (officer, approver, auditor) read; each
action is allowed to the role its page and service allow, and refused (403) to the others.

The builders below make the objects through the finance services, as the pages leave them; the API tests use them
too (tests/api/test_finance*.py)."""

import datetime as dt
from decimal import Decimal
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.roles import StaffRole
from finance.models import (
    LineMatch,
    MatchMethod,
    Payable,
    PaymentBatch,
    PaymentOrder,
    ReconciliationWorkbook,
    WePulseFinancingPlan,
    WePulseParticipant,
)
from finance.seed import seed_treasury_accounts
from finance.seed_programmes import wepulse_programme_ensure
from finance.services.orders import batch_create, order_approve, order_prepare
from finance.services.programmes import financing_plan_set, transfer_record, wepulse_participant_set
from finance.services.statements import statement_import
from tests.api.matrix import staff_only
from tests.factories import UserFactory
from tests.factories.grants import BudgetLineFactory
from tests.finance.fixtures_bank import Movement, camt_file
from tests.finance.fixtures_orders import make_payable
from tests.finance.fixtures_programmes import pdf

READERS = {"finance_officer": 200, "finance_approver": 200, "auditor": 200}
P = "/api/v1/finance"
_numbers = count(1)


def staff(role: str, name: str = ""):
    return UserFactory(email=f"{name or role}.{next(_numbers)}@bpl.brussels", roles=[role])


def payable(**kwargs) -> Payable:
    n = next(_numbers)
    return make_payable(reference=f"AAP-2026-API-{n:04d}", envelope_code=f"api-{n}", **kwargs)


def prepared(officer=None, **kwargs) -> PaymentOrder:
    return order_prepare(actor=officer or staff(StaffRole.FINANCE_OFFICER, "preparer"), payable_id=payable(**kwargs).pk)


def approved(officer=None, approver=None, **kwargs) -> PaymentOrder:
    order = prepared(officer, **kwargs)
    return order_approve(
        actor=approver or staff(StaffRole.FINANCE_APPROVER, "visa"),
        order_id=order.pk,
        visa_reference=f"CF-{order.pk}",
        visa_date=timezone.localdate(),
    )


def batched(officer=None) -> PaymentBatch:
    officer = officer or staff(StaffRole.FINANCE_OFFICER, "batcher")
    payments = {account.purpose: account for account in seed_treasury_accounts()}["payments"]
    order = approved(officer)
    return batch_create(
        actor=officer,
        order_ids=[order.pk],
        scheme="pain.001.001.09",
        execution_date=timezone.localdate(),
        account_id=payments.pk,
    )


def statement_file(*, movements=None, number: str | None = None, iban: str | None = None) -> bytes:
    payments = {account.purpose: account for account in seed_treasury_accounts()}["payments"]
    today = timezone.localdate()
    movements = movements or [Movement(amount=Decimal("-10.00"), value_date=today, bank_reference="X-1")]
    return camt_file(
        iban=iban or payments.iban,
        number=number or str(next(_numbers)),
        statement_date=today - dt.timedelta(days=1),
        movements=movements,
    )


def imported(content: bytes | None = None, officer=None):
    upload = SimpleUploadedFile("camt053.xml", content or statement_file(), content_type="application/xml")
    return statement_import(actor=officer or staff(StaffRole.FINANCE_OFFICER, "importer"), upload=upload)


def order_match() -> LineMatch:
    """A line matched by hand to a batched order (an order match: the service refuses to undo it)."""
    batch = batched()
    order = batch.orders.get()
    line = imported().lines.get()
    return LineMatch.objects.create(line=line, amount=order.amount, method=MatchMethod.MANUAL, payment_order=order)


def transfer(officer=None, *, documents: int = 0, **fields):
    values = {
        "date": timezone.localdate(),
        "amount": "125000.00",
        "budget_year": timezone.localdate().year,
        "budget_line_id": BudgetLineFactory().pk,
        "purpose": "steering",
        "decision_reference": "GRBC-2026-01",
        **fields,
    }
    return transfer_record(
        actor=officer or staff(StaffRole.FINANCE_OFFICER, "paradigm"),
        key=f"transfer-{next(_numbers)}",
        attachments=[pdf() for _ in range(documents)],
        **values,
    )


ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", f"{P}/payables/"): staff_only(READERS),
    # An empty body is a complete request: the officer prepares the order; the others' pages refuse them.
    ("POST", f"{P}/payables/{{id}}/prepare-order/"): staff_only({"finance_officer": 201}),
    # The payables page is open to the readers; the service lets the officer record a payment (no date sent: 400).
    ("POST", f"{P}/payables/{{id}}/paid/"): staff_only({"finance_officer": 400}),
    ("GET", f"{P}/treasury-accounts/"): staff_only(READERS),
    ("GET", f"{P}/payment-orders/"): staff_only(READERS),
    ("GET", f"{P}/payment-orders/{{id}}/"): staff_only(READERS),
    # The order page is open to the readers; the service lets approvers approve (no visa sent: 400) and no one else.
    ("POST", f"{P}/payment-orders/{{id}}/approve/"): staff_only({"finance_approver": 400}),
    ("POST", f"{P}/payment-orders/{{id}}/reject/"): staff_only({"finance_approver": 400}),
    ("GET", f"{P}/payment-batches/"): staff_only(READERS),
    ("POST", f"{P}/payment-batches/"): staff_only({"finance_officer": 400}),
    ("GET", f"{P}/payment-batches/{{id}}/"): staff_only(READERS),
    # Readers see the batch; only the finance officer hands its file to the bank (the service's rule).
    ("GET", f"{P}/payment-batches/{{id}}/pain001/"): staff_only({"finance_officer": 200}),
    ("GET", f"{P}/bank-statements/"): staff_only(READERS),
    # A file that is not a statement: the officer's import reads it and refuses it; the others may not import.
    ("POST", f"{P}/bank-statements/"): staff_only({"finance_officer": 400}),
    ("GET", f"{P}/bank-statements/{{id}}/"): staff_only(READERS),
    ("POST", f"{P}/bank-statements/{{id}}/rematch/"): staff_only({"finance_officer": 200}),
    ("GET", f"{P}/statement-lines/"): staff_only(READERS),
    ("GET", f"{P}/statement-lines/{{id}}/"): staff_only(READERS),
    # A line paid out matched to an order that does not exist: the officer's match finds nothing.
    ("POST", f"{P}/statement-lines/{{id}}/matches/"): staff_only({"finance_officer": 404}),
    # A match that paid an order cannot be undone: the officer passes authorization and meets the state.
    ("POST", f"{P}/line-matches/{{id}}/undo/"): staff_only({"finance_officer": 409}),
    ("GET", f"{P}/reconciliation-workbooks/"): staff_only(READERS),
    ("POST", f"{P}/reconciliation-workbooks/"): staff_only(dict.fromkeys(READERS, 400)),
    ("GET", f"{P}/reconciliation-workbooks/{{id}}/"): staff_only(READERS),
    # Still queued: the readers pass authorization and learn it is not ready.
    ("GET", f"{P}/reconciliation-workbooks/{{id}}/download/"): staff_only(dict.fromkeys(READERS, 409)),
    ("GET", f"{P}/paradigm-transfers/"): staff_only(READERS),
    ("POST", f"{P}/paradigm-transfers/"): staff_only({"finance_officer": 400}),
    ("GET", f"{P}/paradigm-transfers/{{id}}/"): staff_only(READERS),
    ("POST", f"{P}/paradigm-transfers/{{id}}/correction/"): staff_only({"finance_officer": 400}),
    ("POST", f"{P}/paradigm-transfers/{{id}}/documents/"): staff_only({"finance_officer": 201}),
    ("GET", f"{P}/paradigm-documents/{{id}}/download/"): staff_only(READERS),
    ("GET", f"{P}/wepulse/"): staff_only(READERS),
    ("GET", f"{P}/wepulse/participants/"): staff_only(READERS),
    ("GET", f"{P}/wepulse/plans/"): staff_only(READERS),
    # We Pulse writes: the readers see the pages; only the finance officer records participation and plans.
    ("POST", f"{P}/wepulse/participants/{{org_id}}/"): staff_only({"finance_officer": 200}),
    ("POST", f"{P}/wepulse/participants/{{org_id}}/plans/{{domain_id}}/"): staff_only({"finance_officer": 200}),
    ("DELETE", f"{P}/wepulse/participants/{{org_id}}/plans/{{domain_id}}/"): staff_only({"finance_officer": 204}),
}

JOINED = {"joined": True, "joined_on": "2021-03-01", "note": ""}
PLAN = {"cost": "100000.00", "regional_share": "60000.00", "loan_amount": "0.00", "own_funds": "40000.00"}

BODIES = {
    ("POST", f"{P}/payables/{{id}}/paid/"): {},
    ("POST", f"{P}/wepulse/participants/{{org_id}}/"): JOINED,
    ("POST", f"{P}/wepulse/participants/{{org_id}}/plans/{{domain_id}}/"): PLAN,
    ("POST", f"{P}/paradigm-transfers/"): {},
    ("POST", f"{P}/paradigm-transfers/{{id}}/correction/"): {},
    ("POST", f"{P}/payables/{{id}}/prepare-order/"): {},
    ("POST", f"{P}/payment-orders/{{id}}/approve/"): {},
    ("POST", f"{P}/payment-orders/{{id}}/reject/"): {"reason": ""},
    ("POST", f"{P}/statement-lines/{{id}}/matches/"): {"target": "order", "target_id": 999999, "amount": "10.00"},
    ("POST", f"{P}/line-matches/{{id}}/undo/"): {"reason": "Wrong line"},
}

FILES = {
    ("POST", f"{P}/paradigm-transfers/{{id}}/documents/"): lambda ctx: {"attachments": [pdf("proof.pdf")]},
    ("POST", f"{P}/bank-statements/"): lambda ctx: {
        "file": SimpleUploadedFile("camt053.xml", b"<Document>not a statement", content_type="application/xml")
    },
}


def joined(organisation, officer=None) -> WePulseParticipant:
    """The organisation (a commune or CPAS) recorded as joined to the We Pulse programme, as the authority page does."""
    return wepulse_participant_set(
        actor=officer or staff(StaffRole.FINANCE_OFFICER, "wepulse"),
        programme_id=wepulse_programme_ensure().pk,
        organisation_id=organisation.pk,
        joined=True,
        joined_on=dt.date(2021, 3, 1),
    )


def planned(participant: WePulseParticipant, officer=None, **amounts) -> WePulseFinancingPlan:
    """A financing plan for the first domain open to communes, through the page's service."""
    domain = participant.programme.domains.filter(cpas_only=False).order_by("position", "code").first()
    values = {"cost": "100000.00", "regional_share": "60000.00", "loan_amount": "0", "own_funds": "40000.00"}
    return financing_plan_set(
        actor=officer or staff(StaffRole.FINANCE_OFFICER, "wepulse"),
        participant_id=participant.pk,
        domain_id=domain.pk,
        **{**values, **amounts},
    )


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    if path.startswith(f"{P}/wepulse/"):
        programme = wepulse_programme_ensure()
        if "{domain_id}" in path:
            participant = joined(ctx.commune)
            plan = planned(participant) if method == "DELETE" else None
            domain = plan.domain if plan else programme.domains.filter(cpas_only=False).order_by("position").first()
            return {"org_id": ctx.commune.pk, "domain_id": domain.pk}
        if "{org_id}" in path:
            return {"org_id": ctx.commune.pk}
    if "{id}" not in path:
        return {}
    if path.startswith(f"{P}/paradigm-transfers/"):
        return {"id": transfer().pk}
    if path.startswith(f"{P}/paradigm-documents/"):
        return {"id": transfer(documents=1).attachments.get().pk}
    if path.startswith(f"{P}/payables/"):
        return {"id": payable().pk}
    if path.startswith(f"{P}/payment-orders/"):
        return {"id": prepared().pk}
    if path.startswith(f"{P}/payment-batches/"):
        return {"id": batched().pk}
    if path.startswith(f"{P}/bank-statements/"):
        return {"id": imported().pk}
    if path.startswith(f"{P}/statement-lines/"):
        return {"id": imported().lines.get().pk}
    if path.startswith(f"{P}/line-matches/"):
        return {"id": order_match().pk}
    if path.startswith(f"{P}/reconciliation-workbooks/"):
        return {"id": ReconciliationWorkbook.objects.create(year=2026, language="en", requested_by=staff("auditor")).pk}
    raise AssertionError(path)
