"""Matrix rows: grant applications, their documents, submissions and letters; awards, tranches and justification.

Who is who here: members of the owning organisation (commune_editor, signatory) prepare; only the signatory submits
and signs claims; staff who may see applications (SEE) read everything and change nothing (403); other staff (BLIND:
reviewer without an assignment, loan analyst, finance approver) and the other commune's editor get a 404, as for an
id that does not exist. Lists: the other commune's editor gets its own (empty) list; BLIND staff a 403, as on the
staff list page. POSTs without a body give 400 to whoever passed the door.

The builders below make the objects cheaply (straight rows and files), and serve the area's tests too.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.roles import StaffRole
from grants.models import (
    Application,
    ApplicationDocument,
    ApplicationSnapshot,
    ApplicationStatus,
    Award,
    AwardStatus,
    CommitteeSession,
    DecisionLetter,
    ExpenseLine,
    ItemDecision,
    Justification,
    SessionItem,
)
from grants.services.awards import award_commit
from tests.api.matrix import PERSONAS
from tests.factories import UserFactory
from tests.factories.grants import CallVersionFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SEE = [
    StaffRole.CALL_MANAGER,
    StaffRole.ELIGIBILITY_OFFICER,
    StaffRole.COMMITTEE_MEMBER,
    StaffRole.COMMITTEE_SECRETARY,
    StaffRole.FINANCE_OFFICER,
    StaffRole.AUDITOR,
    StaffRole.ADMINISTRATOR,
]
BLIND = [StaffRole.REVIEWER, StaffRole.LOAN_ANALYST, StaffRole.FINANCE_APPROVER]


def pdf_upload(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def row(*, members: int, signatory: int | None = None, see: int, list_: bool = False) -> dict[str, int]:
    """`members`: the editor's (and the signatory's, unless given) answer; `see`: staff who see applications."""
    answers = {
        "anonymous": 401,
        "commune_editor": members,
        "signatory": members if signatory is None else signatory,
        "other_commune_editor": 200 if list_ else 404,
    }
    answers.update({f"staff:{role}": see for role in SEE})
    answers.update({f"staff:{role}": 403 if list_ else 404 for role in BLIND})
    assert set(answers) == set(PERSONAS)
    return answers


READ = row(members=200, see=200)
A = "/api/v1/applications/{id}/"
W = "/api/v1/awards/{id}/"
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/applications/"): row(members=200, see=200, list_=True),
    # No body: everyone signed in gets the 400 of the missing fields (the door is the call and the organisation).
    ("POST", "/api/v1/applications/"): {**dict.fromkeys(PERSONAS, 400), "anonymous": 401},
    ("GET", A): READ,
    ("PATCH", A): row(members=400, see=403),
    ("GET", A + "history/"): READ,
    ("GET", A + "documents/"): READ,
    ("POST", A + "documents/"): row(members=201, see=403),
    # The draft is empty: the signatory passes the door and learns what is missing; an editor may not submit.
    ("POST", A + "submit/"): row(members=403, signatory=400, see=403),
    ("POST", A + "signature-request/"): row(members=400, see=403),
    ("GET", "/api/v1/documents/{id}/"): READ,
    ("DELETE", "/api/v1/documents/{id}/"): row(members=204, see=403),
    ("GET", "/api/v1/submissions/{id}/receipt/"): READ,
    ("GET", "/api/v1/letters/{id}/"): READ,
    ("GET", "/api/v1/awards/"): row(members=200, see=200, list_=True),
    ("GET", W): READ,
    ("POST", "/api/v1/tranches/{id}/claim/"): row(members=403, signatory=200, see=403),
    ("GET", W + "justification/"): READ,
    ("POST", W + "justification/lines/"): row(members=201, see=403),
    ("GET", W + "justification/report/"): READ,
    ("POST", W + "justification/report/"): row(members=200, see=403),
    # No line and no report yet: the signatory learns what is missing.
    ("POST", W + "justification/submit/"): row(members=403, signatory=400, see=403),
    ("DELETE", "/api/v1/expense-lines/{id}/"): row(members=204, see=403),
    ("GET", "/api/v1/expense-lines/{id}/proof/"): READ,
}

FILES = {
    ("POST", A + "documents/"): lambda ctx: {"document_code": "council_resolution", "file": pdf_upload()},
    ("POST", W + "justification/lines/"): lambda ctx: {
        "invoice_reference": "F-1",
        "supplier": "Toitures Dupont SA",
        "amount": "1234.56",
        "paid_on": "2026-05-01",
        "proof": pdf_upload("invoice.pdf"),
    },
    ("POST", W + "justification/report/"): lambda ctx: {"report": pdf_upload("report.pdf")},
}


# --- builders -------------------------------------------------------------------------------------------------------


def draft_application(organisation, *, version=None, **fields) -> Application:
    version = version or CallVersionFactory(published=True)
    return Application.objects.create(
        call_version=version, organisation=organisation, created_by=UserFactory(), **fields
    )


def document_of(application: Application, code: str = "council_resolution") -> ApplicationDocument:
    document = ApplicationDocument(
        application=application,
        document_code=code,
        original_name=f"{code}.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=application.created_by,
    )
    document.file.save(f"{code}.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


def submission_of(application: Application) -> ApplicationSnapshot:
    snapshot = ApplicationSnapshot(
        application=application,
        number=1,
        answers={},
        files=[],
        sha256="0" * 64,
        submitted_at=timezone.now(),
        submitted_by=application.created_by,
    )
    snapshot.receipt.save("receipt.pdf", ContentFile(PDF), save=False)
    snapshot.save()
    return snapshot


def letter_of(application: Application, kind: str = "award") -> DecisionLetter:
    letter = DecisionLetter(application=application, kind=kind, language="fr")
    letter.file.save("letter.pdf", ContentFile(PDF), save=False)
    letter.save()
    return letter


def committed_award(organisation, *, amount: str = "3000.00") -> Award:
    """An award committed on its call's envelope (with its tranches: 80 % advance, 20 % balance), as a session's
    closing leaves it, made without the process around it."""
    version = CallVersionFactory(published=True)
    secretary = UserFactory()
    application = draft_application(
        organisation,
        version=version,
        status=ApplicationStatus.AWARDED,
        amount_requested=Decimal("1000000.00"),
        submitted_at=timezone.now(),
    )
    application.reference = f"AAP-2026-{version.call.code.upper()}-{application.pk:04d}"
    application.save(update_fields=["reference"])
    session = CommitteeSession.objects.create(
        call=version.call, held_at=timezone.now(), quorum=1, secretary=secretary, status="closed"
    )
    item = SessionItem.objects.create(
        session=session,
        application=application,
        position=1,
        proposed_amount=Decimal(amount),
        decision=ItemDecision.APPROVED,
        decided_amount=Decimal(amount),
        decided_at=timezone.now(),
    )
    award = Award.objects.create(
        application=application, session_item=item, amount=Decimal(amount), status=AwardStatus.AWAITING_APPROVALS
    )
    return award_commit(award=award, actor=secretary)


def line_of(award: Award) -> ExpenseLine:
    justification, _created = Justification.objects.get_or_create(award=award)
    line = ExpenseLine(
        justification=justification,
        invoice_reference="F-0",
        supplier="Supplier",
        amount=Decimal("100.00"),
        paid_on=dt.date(2026, 5, 1),
        proof_name="proof.pdf",
        proof_sha256="0" * 64,
    )
    line.proof.save("proof.pdf", ContentFile(PDF), save=False)
    line.save()
    return line


def report_of(award: Award) -> Justification:
    justification, _created = Justification.objects.get_or_create(award=award)
    justification.report.save("report.pdf", ContentFile(PDF), save=False)
    justification.report_name = "report.pdf"
    justification.save()
    return justification


def path_values(ctx, method: str, path: str, persona: str) -> dict:
    if path in ("/api/v1/applications/", "/api/v1/awards/"):
        return {}
    if path.startswith("/api/v1/documents/"):
        return {"id": document_of(draft_application(ctx.commune)).pk}
    if path.startswith("/api/v1/submissions/"):
        return {"id": submission_of(draft_application(ctx.commune)).pk}
    if path.startswith("/api/v1/letters/"):
        return {"id": letter_of(draft_application(ctx.commune)).pk}
    if path.startswith("/api/v1/applications/"):
        return {"id": draft_application(ctx.commune).pk}
    award = committed_award(ctx.commune)
    if path.startswith("/api/v1/tranches/"):
        return {"id": award.tranches.get(number=1).pk}
    if path.startswith("/api/v1/expense-lines/"):
        return {"id": line_of(award).pk}
    if path == W + "justification/report/" and method == "GET":
        report_of(award)
    return {"id": award.pk}
