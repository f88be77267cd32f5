"""A loan application taken through the services, one step after the other, as the people would do it."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.roles import StaffRole
from finance.services.payments import payable_mark_paid
from grants.models import CommitteeSession
from grants.services import committee
from loans.models import Drawdown, Loan, LoanApplication
from loans.services.applications import loan_application_create, loan_application_save, loan_document_add
from loans.services.convention import convention_review, convention_signed_upload
from loans.services.decision import loan_analysis_record, loan_decision_record
from loans.services.drawdowns import InvoiceIn, drawdown_approve, drawdown_request
from loans.services.eligibility import loan_eligibility_decide
from loans.services.submission import loan_application_submit
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def project(title: str = "Rénovation de la piscine", cost: str = "1200000.00", requested: str = "1000000.00") -> dict:
    return {
        "title": title,
        "description": "Travaux de rénovation",
        "cost": cost,
        "requested_amount": requested,
        "depreciation_years": "25",
        "budget_reference": "764/723-60",
    }


def draft(version, organisation, editor, projects: list[dict] | None = None) -> LoanApplication:
    application = loan_application_create(actor=editor, version_id=version.pk, organisation_id=organisation.pk)
    loan_application_save(
        actor=editor,
        application_id=application.pk,
        base_version=1,
        purpose="Infrastructures sportives",
        projects=projects or [project()],
    )
    loan_document_add(
        actor=editor, application_id=application.pk, document_code="ministerial_form", upload=pdf("form.pdf")
    )
    for item in application.projects.all():
        for code in ("council_resolution", "budget_commitment"):
            loan_document_add(
                actor=editor, application_id=application.pk, document_code=code, project_id=item.pk, upload=pdf()
            )
    application.refresh_from_db()
    return application


def submitted(version, organisation, editor, signatory, **kwargs) -> LoanApplication:
    application = draft(version, organisation, editor, **kwargs)
    loan_application_submit(actor=signatory, application_id=application.pk)
    application.refresh_from_db()
    return application


def checklist_met(version) -> dict:
    return {item["code"]: {"verdict": "met", "reason": ""} for item in version.checklist}


def eligible(application, analyst) -> LoanApplication:
    loan_eligibility_decide(
        actor=analyst,
        application_id=application.pk,
        outcome="eligible",
        criteria=checklist_met(application.product_version),
    )
    application.refresh_from_db()
    return application


def amounts(application, share: str = "1") -> dict:
    return {p.pk: str(p.requested_amount * Decimal(share)) for p in application.projects.all()}


def analysed(application, analyst) -> LoanApplication:
    loan_analysis_record(
        actor=analyst,
        application_id=application.pk,
        financial_situation="Situation saine.",
        projects_assessment="Projets conformes.",
        recommendation="favourable",
        amounts=amounts(application),
    )
    application.refresh_from_db()
    return application


def _person(email: str, role: str):
    from core.models import User

    return User.objects.filter(email=email).first() or UserFactory(email=email, roles=[role])


def committee_people():
    """The same secretary and members for every session of a test."""
    secretary = _person("secretariat@bpl.brussels", StaffRole.COMMITTEE_SECRETARY)
    return secretary, [_person(f"comite{i}@bpl.brussels", StaffRole.COMMITTEE_MEMBER) for i in range(3)]


def opinion_session(application, *, decision: str = "approved", reason: str = "") -> CommitteeSession:
    """A committee session on the product: the application on the agenda, everyone present, the opinion, closed."""
    secretary, members = committee_people()
    session = committee.session_create(
        actor=secretary,
        loan_product_id=application.product_version.product_id,
        held_at=timezone.now(),
        place="Salle du conseil",
        member_ids=[m.pk for m in members],
        quorum=2,
    )
    (item,) = committee.agenda_from_ranking(actor=secretary, session_id=session.pk)
    committee.attendance_record(actor=secretary, session_id=session.pk, present_ids=[m.pk for m in members])
    committee.item_decide(
        actor=secretary, item_id=item.pk, decision=decision, amount=item.proposed_amount, reason=reason
    )
    return committee.session_close(actor=secretary, session_id=session.pk)


def decided(application, analyst, **kwargs) -> LoanApplication:
    loan_decision_record(
        actor=analyst,
        application_id=application.pk,
        outcome="approved",
        decree_reference="AGRBC 2026/123",
        decree_date=timezone.localdate(),
        amounts=amounts(application),
        **kwargs,
    )
    application.refresh_from_db()
    return application


def active_loan(application, signatory, analyst, *, signed_on: dt.date | None = None) -> Loan:
    convention_signed_upload(
        actor=signatory,
        application_id=application.pk,
        upload=pdf("signed.pdf"),
        signed_on=signed_on or timezone.localdate(),
    )
    loan = convention_review(actor=analyst, application_id=application.pk, accept=True)
    assert loan is not None
    return loan


def drawdown_paid(loan, signatory, analyst, finance_officer, *, amount: str, paid_on: dt.date) -> Drawdown:
    drawdown = drawdown_request(
        actor=signatory,
        loan_id=loan.pk,
        amount=amount,
        invoices=[InvoiceIn(reference=f"F-{amount}", amount=amount, upload=pdf("invoice.pdf"))],
    )
    drawdown = drawdown_approve(actor=analyst, drawdown_id=drawdown.pk)
    payable_mark_paid(actor=finance_officer, payable_id=drawdown.payable_id, paid_on=paid_on)
    drawdown.refresh_from_db()
    return drawdown
