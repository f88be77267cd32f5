"""Background work of loans: receipts, automatic eligibility, conventions, instalments falling due and their
notices. Tasks take ids and can run twice safely."""

from smtplib import SMTPException

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from loans.services.eligibility import loan_eligibility_run
from loans.services.submission import loan_receipt_send

MAIL_ERRORS = (SMTPException, ConnectionError)


@shared_task(name="loans.eligibility_automatic")
def loan_eligibility_automatic(*, snapshot_id: int) -> int:
    return len(loan_eligibility_run(snapshot_id=snapshot_id))


@shared_task(name="loans.receipt", autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5)
def loan_receipt(*, snapshot_id: int) -> bool:
    return loan_receipt_send(snapshot_id=snapshot_id)


@shared_task(name="loans.convention", autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5)
def loan_convention(*, application_id: int) -> int:
    from loans.services.convention import convention_generate

    return convention_generate(application_id=application_id).pk


@shared_task(name="loans.due_notice", autoretry_for=MAIL_ERRORS, retry_backoff=True, max_retries=5)
def loan_due_notice(*, installment_id: int) -> bool:
    from loans.services.notices import due_notice_send

    return due_notice_send(installment_id=installment_id)


@shared_task(name="loans.daily")
def loans_daily() -> dict[str, int]:
    """Every morning: instalments due today fall due (their interest is booked), and notices go out."""
    from loans.models import Loan, LoanStatus
    from loans.services.ledger import installments_fall_due
    from loans.services.notices import notices_due

    today = timezone.localdate()
    booked = 0
    for loan_id in Loan.objects.filter(status=LoanStatus.ACTIVE).values_list("pk", flat=True):
        with transaction.atomic():
            loan = Loan.objects.select_for_update().get(pk=loan_id)
            booked += installments_fall_due(loan, up_to=today)
    notices = notices_due(today)
    for installment_id in notices:
        loan_due_notice.delay(installment_id=installment_id)
    return {"fell_due": booked, "notices": len(notices)}
