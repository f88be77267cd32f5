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
