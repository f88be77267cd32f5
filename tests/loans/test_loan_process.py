"""A sports infrastructure loan from the portal to an active loan, through frbrtc_loan@1's task pages, then its
drawdown, schedule, repayments and ledger."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from finance.models import Commitment, Envelope
from loans.ledger import balances
from loans.models import EntryKind, LoanApplicationStatus, LoanStatus
from loans.services.convention import convention_signed_upload
from loans.services.repayments import repayment_record
from loans.services.schedules import current_schedule
from tests.loans import journey
from workflows.services.cases import case_of
from workflows.services.task_actions import task_claim

pytestmark = pytest.mark.django_db


def waiting(application, step: str) -> Task:
    case = case_of(application)
    return Task.objects.get(
        process_id=case.pk, flow_task__endswith=f".{step}", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def do_task(client, user, application, step: str, **data):
    """Take the task from the queue (where the analyst finds it; in their inbox once taken) and send its form."""
    task = waiting(application, step)
    if task.status == STATUS.NEW:
        assert application.reference in client.get("/en/staff/tasks/queue/").content.decode()
        task_claim(actor=user, task_id=task.pk)
    assert application.reference in client.get("/en/staff/tasks/inbox/").content.decode()
    return client.post(task.flow_task.reverse("execute", args=[task.process_id, task.pk]), data)


def pdf_text(field) -> str:
    field.open("rb")
    try:
        # Words only: the PDF wraps long cells over several lines.
        return " ".join(" ".join(page.extract_text() for page in PdfReader(field).pages).split())
    finally:
        field.close()


def test_a_commune_goes_from_its_application_to_an_active_loan_and_repays_it(
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    finance_officer,
    staff_client,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    with capture(execute=True):
        application = journey.submitted(sports_product, commune, commune_editor, signatory)
    assert application.reference.startswith(f"FRBRTC-{timezone.localdate().year}-SPORT2021-")
    snapshot = application.snapshots.get()
    assert all(result.passed for result in snapshot.eligibility_results.all())
    assert snapshot.eligibility_results.count() == 6
    assert any(application.reference in m.subject for m in mail.outbox)
    receipt = pdf_text(snapshot.receipt)
    assert "Rénovation de la piscine" in receipt
    assert "Délibération du conseil communal — Rénovation de la piscine" in receipt  # named, not coded
    case = case_of(application)
    assert case.process_version.label == "frbrtc_loan@1" and case.amount == Decimal("1000000.00")

    client = staff_client(loan_analyst)
    checklist = {f"criterion_{item['code']}": "met" for item in sports_product.checklist}
    with capture(execute=True):
        response = do_task(client, loan_analyst, application, "check_eligibility", outcome="eligible", **checklist)
    assert response.status_code == 302
    project = application.projects.get()
    with capture(execute=True):
        response = do_task(
            client,
            loan_analyst,
            application,
            "analyse",
            financial_situation="Healthy accounts.",
            projects_assessment="The pool serves three schools.",
            recommendation="favourable",
            **{f"proposed_{project.pk}": "900000.00"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.ANALYSED
    assert waiting(application, "await_opinion").status == STATUS.NEW

    with capture(execute=True):
        session = journey.opinion_session(application)
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.OPINION_GIVEN and application.opinion == "favourable"
    assert session.items.get().proposed_amount == Decimal("900000.00")

    decision = {"outcome": "approved", "decree_reference": "AGRBC 2026/77", "decree_date": "2026-11-20"}
    response = do_task(
        client, loan_analyst, application, "record_decision", **decision, **{f"approved_{project.pk}": "6000000"}
    )
    assert response.status_code == 400  # above what was requested: nothing committed
    assert not Commitment.objects.exists()
    with capture(execute=True):
        response = do_task(
            client, loan_analyst, application, "record_decision", **decision, **{f"approved_{project.pk}": "900000.00"}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == LoanApplicationStatus.APPROVED
    assert Commitment.objects.get().amount == Decimal("900000.00")
    assert Envelope.objects.get(code="loan-sport2021").amount == Decimal("50000000.00")
    convention = application.convention
    text = pdf_text(convention.document)
    assert "AGRBC 2026/77" in text and "900.000,00 EUR" in text
    assert convention.language == "fr" and "Convention de prêt" in text

    with capture(execute=True):
        convention_signed_upload(
            actor=signatory,
            application_id=application.pk,
            upload=SimpleUploadedFile("signed.pdf", journey.PDF),
            signed_on=timezone.localdate(),
        )
    with capture(execute=True):
        response = do_task(client, loan_analyst, application, "check_convention", verdict="accept")
    assert response.status_code == 302
    application.refresh_from_db()
    loan = application.loan
    assert application.status == LoanApplicationStatus.CONTRACTED and loan.status == LoanStatus.ACTIVE
    assert (
        case_of(application).finished is not None
        or not Task.objects.filter(process_id=case.pk, status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    )

    # One drawdown, paid two years ago: the 20-year annuity at 1.5 % on 900,000.00 is 52,421.16 (textbook:
    # 900000 x 0.015 / (1 - 1.015^-20) = 52,421.162...).
    paid_on = timezone.localdate().replace(year=timezone.localdate().year - 2, month=1, day=15)
    loan.last_drawdown_date = None
    loan.save(update_fields=["last_drawdown_date"])
    journey.drawdown_paid(loan, signatory, loan_analyst, finance_officer, amount="900000.00", paid_on=paid_on)
    loan.refresh_from_db()
    assert loan.start_date == paid_on
    lines = list(current_schedule(loan).lines.order_by("n"))
    assert len(lines) == 20 and lines[0].payment == Decimal("52421.16")
    assert lines[0].interest == Decimal("13500.00") and lines[0].principal == Decimal("38921.16")
    assert sum(line.principal for line in lines) == Decimal("900000.00")
    first = loan.installments.get(n=1)
    assert first.due_date == paid_on.replace(year=paid_on.year + 1)

    # The first instalment paid on time with its structured communication.
    repayment_record(
        actor=finance_officer,
        loan_id=loan.pk,
        amount="52421.16",
        value_date=first.due_date,
        communication=f"+++{first.structured_communication[:3]}/{first.structured_communication[3:7]}/{first.structured_communication[7:]}+++",
        key="test-1",
    )
    assert balances(loan).principal == Decimal("900000.00") - Decimal("38921.16")
    assert balances(loan).interest == Decimal("0.00")
    entries = list(loan.entries.order_by("id").values_list("kind", flat=True))
    assert entries == [EntryKind.DRAWDOWN, EntryKind.INTEREST_DUE, EntryKind.REPAYMENT]
