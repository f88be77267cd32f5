"""Due notices: a PDF in the borrower's language, e-mailed a set number of days before each due date, once."""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from core.mail import document_mail, organisation_recipients
from core.ogm import ogm_display
from core.pdf import render_pdf
from core.services.audit import audit_record
from loans.models import Installment, LoanStatus


def notices_due(today: dt.date) -> list[int]:
    """Instalments of active loans whose notice day has come and whose notice has not gone out. A notice period is
    at most a year, so only instalments due within the year are read."""
    candidates = Installment.objects.filter(
        loan__status=LoanStatus.ACTIVE,
        cancelled=False,
        notice_sent_at__isnull=True,
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=366),
    ).values_list("pk", "due_date", "loan__notice_days")
    return [pk for pk, due, days in candidates if due - dt.timedelta(days=days) <= today]


@transaction.atomic
def due_notice_send(*, installment_id: int) -> bool:
    """Make the notice (once) and e-mail it (once): the row lock and the mark make a retry harmless."""
    installment = (
        Installment.objects.select_for_update(of=("self",))
        .select_related("loan__borrower", "loan__product_version")
        .get(pk=installment_id)
    )
    if installment.notice_sent_at is not None or installment.cancelled:
        return False
    loan = installment.loan
    language = loan.borrower.correspondence_language
    context = {
        "installment": installment,
        "loan": loan,
        "communication": ogm_display(installment.structured_communication),
        "iban": settings.FRBRTC_IBAN,
    }
    pdf = render_pdf("loans/due_notice.html", context, language=language)
    installment.notice.save(f"{loan.reference}-{installment.n:03d}.pdf", ContentFile(pdf), save=False)
    installment.notice_sent_at = timezone.now()
    installment.save(update_fields=["notice", "notice_sent_at"])
    message = document_mail(
        template="loan_due_notice",
        context=context,
        language=language,
        recipients=organisation_recipients(loan.borrower),
        attachment=installment.notice,
        filename=f"{loan.reference}-{installment.n:03d}.pdf",
    )
    audit_record(obj=loan, actor=None, action="due_notice_sent", changes={"instalment": installment.n})
    message.send()  # under the row lock, marked in the same transaction: a retry never sends twice
    return True
