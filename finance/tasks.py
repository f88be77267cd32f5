"""Background work of finance. Tasks take ids, call a service, and can safely run twice."""

from celery import shared_task


@shared_task(name="finance.reconciliation_workbook")
def reconciliation_workbook(workbook_id: int) -> str:
    """Build a requested reconciliation workbook; a redelivered task finds it ready (or failed) and stops."""
    from finance.services.workbooks import workbook_build

    workbook = workbook_build(workbook_id=workbook_id)
    return workbook.status if workbook is not None else "skipped"
