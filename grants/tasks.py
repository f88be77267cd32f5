"""Background work of grants: receipts and automatic eligibility. Tasks take ids and can run twice safely."""

from smtplib import SMTPException

from celery import shared_task

from grants.services.eligibility import eligibility_run_automatic
from grants.services.receipts import receipt_send


@shared_task(name="grants.run_automatic_eligibility")
def run_automatic_eligibility(*, snapshot_id: int) -> int:
    return len(eligibility_run_automatic(snapshot_id=snapshot_id))


@shared_task(
    name="grants.send_receipt", autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def send_receipt(*, snapshot_id: int) -> bool:
    return receipt_send(snapshot_id=snapshot_id)


@shared_task(
    name="grants.session_documents", autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def session_documents(*, session_id: int) -> int:
    """After a session closes: its minutes (FR and NL), then every final decision's letter, in one batch."""
    from grants.models import CommitteeSession
    from grants.services.letters import letter_send, minutes_make

    session = minutes_make(session_id)
    sent = 0
    items = CommitteeSession.objects.get(pk=session.pk).items.filter(application__isnull=False)
    for application_id in items.values_list("application_id", flat=True):
        sent += letter_send(application_id=application_id) is not None
    return sent


@shared_task(
    name="grants.award_letter", autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=5
)
def award_letter(*, application_id: int) -> bool:
    from grants.services.letters import letter_send

    return letter_send(application_id=application_id) is not None
