"""Matrix rows: FRBRTC loan products, the simulator, loan applications, loans and drawdowns.

The objects are made straight in the database (a published product, an application in the state the row needs, an
active loan with its commitment): the matrix runs every row for 14 personas, and the services' own paths are covered
by tests/api/test_loans*.py."""

from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from finance.models import Envelope
from finance.services.commitments import commitment_create
from loans.models import (
    Drawdown,
    DrawdownInvoice,
    Loan,
    LoanApplication,
    LoanApplicationStatus,
    LoanConvention,
    LoanDocument,
    LoanProductVersion,
    LoanSnapshot,
)
from loans.services.products import envelope_code
from tests.api.matrix import MEMBERS, PERSONAS, STAFF, staff_only
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

PDF = journey.PDF
# Staff roles that read loan applications and loans (loans/apps.py); the others see none of them.
READERS = ["loan_analyst", "administrator", "finance_officer", "finance_approver", "auditor"]
READERS += ["committee_secretary", "committee_member"]
NON_READERS = ["call_manager", "eligibility_officer", "reviewer"]
LOAN_TERMS = (
    "rate",
    "periods",
    "frequency",
    "method",
    "day_count",
    "grace_principal_periods",
    "grace_interest_periods",
    "due_date_rule",
    "prepayment_rule",
    "late_interest_rate",
    "allocation_order",
    "max_drawdowns",
    "last_drawdown_date",
    "notice_days",
)


def _row(*, members: dict[str, int], readers: int, non_readers: int = 404) -> dict[str, int]:
    """A borrower-side row: the borrower's members, the other commune, staff who read loans and those who do not."""
    row = {"anonymous": 401, "other_commune_editor": 404, **members}
    row.update({f"staff:{role}": readers for role in READERS})
    row.update({f"staff:{role}": non_readers for role in NON_READERS})
    assert set(row) == set(PERSONAS), sorted(set(PERSONAS) - set(row))
    return row


def _authenticated(status: int) -> dict[str, int]:
    return {**dict.fromkeys(MEMBERS + STAFF, status), "anonymous": 401}


READ = _row(members={"commune_editor": 200, "signatory": 200}, readers=200)
BASE = "/api/v1"

ROWS: dict[tuple[str, str], dict[str, int]] = {
    # Products: public, as the portal's product pages.
    ("GET", f"{BASE}/loan-products/"): dict.fromkeys(PERSONAS, 200),
    ("GET", f"{BASE}/loan-products/{{code}}/"): dict.fromkeys(PERSONAS, 200),
    # Apply: editors and signatories of an eligible borrower; staff are no borrower's preparers.
    ("POST", f"{BASE}/loan-products/{{code}}/applications/"): {
        **_authenticated(403),
        "commune_editor": 201,
        "signatory": 201,
        "other_commune_editor": 404,
    },
    # The simulator: the staff page's, loan analysts only.
    ("POST", f"{BASE}/loan-simulations/"): staff_only({"loan_analyst": 200}),
    ("GET", f"{BASE}/loan-applications/"): _authenticated(200),
    ("GET", f"{BASE}/loan-applications/{{id}}/"): READ,
    # No body: an editor passes the checks and is told the body is missing (400); staff may read, not edit (403).
    ("PUT", f"{BASE}/loan-applications/{{id}}/"): _row(members={"commune_editor": 400, "signatory": 400}, readers=403),
    ("POST", f"{BASE}/loan-applications/{{id}}/documents/"): _row(
        members={"commune_editor": 201, "signatory": 201}, readers=403
    ),
    ("POST", f"{BASE}/loan-applications/{{id}}/submit/"): _row(
        members={"commune_editor": 403, "signatory": 200}, readers=403
    ),
    ("GET", f"{BASE}/loan-applications/{{id}}/convention/{{kind}}/"): READ,
    ("POST", f"{BASE}/loan-applications/{{id}}/signed-convention/"): _row(
        members={"commune_editor": 403, "signatory": 200}, readers=403
    ),
    ("GET", f"{BASE}/loan-documents/{{id}}/"): READ,
    ("DELETE", f"{BASE}/loan-documents/{{id}}/"): _row(members={"commune_editor": 204, "signatory": 204}, readers=403),
    ("GET", f"{BASE}/loan-submissions/{{id}}/receipt/"): READ,
    ("GET", f"{BASE}/loans/"): _authenticated(200),
    ("GET", f"{BASE}/loans/{{id}}/"): READ,
    ("GET", f"{BASE}/loans/{{id}}/schedule/"): READ,
    # The ledger is the staff loan page's table: members do not get it at all.
    ("GET", f"{BASE}/loans/{{id}}/ledger/"): _row(
        members={"commune_editor": 404, "signatory": 404}, readers=200, non_readers=403
    ),
    ("POST", f"{BASE}/loans/{{id}}/drawdowns/"): _row(members={"commune_editor": 403, "signatory": 201}, readers=403),
    ("GET", f"{BASE}/loan-invoices/{{id}}/"): READ,
    ("POST", f"{BASE}/loans/{{id}}/drawdowns/{{drawdown_id}}/approve/"): staff_only({"loan_analyst": 200}),
    ("POST", f"{BASE}/loans/{{id}}/drawdowns/{{drawdown_id}}/refuse/"): staff_only({"loan_analyst": 200}),
    # No body: those who record repayments pass the checks and are told what is missing.
    ("POST", f"{BASE}/loans/{{id}}/repayments/"): staff_only({"loan_analyst": 400, "finance_officer": 400}),
    # Write-offs: loan analysts and finance approvers; reversals: whoever records repayments or write-offs.
    ("POST", f"{BASE}/loans/{{id}}/write-offs/"): staff_only({"loan_analyst": 400, "finance_approver": 400}),
    ("POST", f"{BASE}/loans/{{id}}/reversals/"): staff_only(
        {"loan_analyst": 400, "finance_officer": 400, "finance_approver": 400}
    ),
}

SIMULATION = {"principal": "1000000.00", "rate": "3", "years": 20, "start": "2026-01-01"}
BODIES = {
    ("POST", f"{BASE}/loan-simulations/"): SIMULATION,
    ("POST", f"{BASE}/loans/{{id}}/drawdowns/{{drawdown_id}}/refuse/"): {"reason": "Les factures sont illisibles."},
}


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


FILES = {
    ("POST", f"{BASE}/loan-products/{{code}}/applications/"): lambda ctx: {"organisation": ctx.commune.pk},
    ("POST", f"{BASE}/loan-applications/{{id}}/documents/"): lambda ctx: {
        "document_code": "ministerial_form",
        "file": pdf("form.pdf"),
    },
    ("POST", f"{BASE}/loan-applications/{{id}}/signed-convention/"): lambda ctx: {
        "file": pdf("signed.pdf"),
        "signed_on": timezone.localdate().isoformat(),
    },
    ("POST", f"{BASE}/loans/{{id}}/drawdowns/"): lambda ctx: {
        "amount": "1000.00",
        "invoice_reference": ["F-1"],
        "invoice_amount": ["1000.00"],
        "invoice_file": [pdf("invoice.pdf")],
    },
}


# --- the objects ------------------------------------------------------------------------------------------------------


def product(code: str = "sport2021") -> LoanProductVersion:
    # No borrowing capacity: a complete draft can be submitted without a share table.
    return publish_sports_product(code=code, uses_borrowing_capacity=False)


def application(ctx, status: str = LoanApplicationStatus.DRAFT, **fields) -> LoanApplication:
    return LoanApplication.objects.create(
        product_version=product(),
        organisation=ctx.commune,
        created_by=ctx.user("commune_editor"),
        status=status,
        **fields,
    )


def _stored(model, file_field: str, name: str, **fields):
    stored = model(original_name=name, content_type="application/pdf", size=len(PDF), sha256="0" * 64, **fields)
    getattr(stored, file_field).save(name, ContentFile(PDF), save=False)
    stored.save()
    return stored


def document(ctx) -> LoanDocument:
    return _stored(
        LoanDocument,
        "file",
        "form.pdf",
        application=application(ctx),
        document_code="ministerial_form",
        uploaded_by=ctx.user("commune_editor"),
    )


def snapshot(ctx) -> LoanSnapshot:
    submitted = application(ctx, LoanApplicationStatus.SUBMITTED, reference="FRBRTC-2026-SPORT2021-0001")
    snapshot = LoanSnapshot(
        application=submitted,
        number=1,
        content={"purpose": "", "projects": []},
        files=[],
        sha256="0" * 64,
        submitted_at=timezone.now(),
        submitted_by=ctx.user("signatory"),
    )
    snapshot.receipt.save("receipt.pdf", ContentFile(PDF), save=False)
    snapshot.save()
    return snapshot


def convention(ctx) -> LoanConvention:
    approved = application(ctx, LoanApplicationStatus.APPROVED, reference="FRBRTC-2026-SPORT2021-0001")
    convention = LoanConvention(application=approved, language="fr", generated_at=timezone.now())
    convention.document.save("convention.pdf", ContentFile(PDF), save=False)
    convention.save()
    return convention


def loan(ctx) -> Loan:
    """An active loan of 1,000,000.00 with its commitment, nothing drawn yet (as the convention's acceptance)."""
    contracted = application(ctx, LoanApplicationStatus.CONTRACTED, reference="FRBRTC-2026-SPORT2021-0001")
    version = contracted.product_version
    amount = Decimal("1000000.00")
    commitment = commitment_create(
        envelope_id=Envelope.objects.get(code=envelope_code(version.product)).pk,
        beneficiary=ctx.commune,
        amount=amount,
        reference=contracted.reference,
        key=f"loan-decision:{contracted.pk}",
    )
    return Loan.objects.create(
        application=contracted,
        borrower=ctx.commune,
        product_version=version,
        reference=contracted.reference,
        approved_amount=amount,
        commitment=commitment,
        **{name: getattr(version, name) for name in LOAN_TERMS},
    )


def drawdown(ctx, amount: str = "1000.00") -> Drawdown:
    active = loan(ctx)
    active.last_drawdown_number = 1
    active.save(update_fields=["last_drawdown_number"])
    requested = Drawdown.objects.create(
        loan=active, number=1, amount=Decimal(amount), requested_by=ctx.user("signatory")
    )
    _stored(
        DrawdownInvoice,
        "file",
        "invoice.pdf",
        drawdown=requested,
        invoice_reference="F-1",
        invoice_amount=Decimal(amount),
        uploaded_by=ctx.user("signatory"),
    )
    return requested


def complete_draft(ctx) -> LoanApplication:
    """A draft with its purpose, one project and every document: a signatory can submit it."""
    return journey.draft(product(), ctx.commune, ctx.user("commune_editor"))


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    tail = path.removeprefix(f"{BASE}/")
    if tail.startswith("loan-products/"):
        return {"code": product().product.code}
    if tail in ("loan-simulations/", "loan-applications/", "loans/"):
        return {}
    if tail.startswith("loan-documents/"):
        return {"id": document(ctx).pk}
    if tail.startswith("loan-submissions/"):
        return {"id": snapshot(ctx).pk}
    if tail.startswith("loan-invoices/"):
        return {"id": DrawdownInvoice.objects.get(drawdown=drawdown(ctx)).pk}
    if tail.endswith("/submit/"):
        return {"id": complete_draft(ctx).pk}
    if tail.endswith("/convention/{kind}/"):
        return {"id": convention(ctx).application_id, "kind": "generated"}
    if tail.endswith("/signed-convention/"):
        return {"id": convention(ctx).application_id}
    if tail.startswith("loan-applications/"):
        return {"id": application(ctx).pk}
    if "{drawdown_id}" in tail:
        requested = drawdown(ctx)
        return {"id": requested.loan_id, "drawdown_id": requested.pk}
    return {"id": loan(ctx).pk}
