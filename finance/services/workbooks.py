"""Reconciliation workbooks: asked for on the staff page (or by the command), built by a Celery task.

The request is stored and the task queued once the transaction commits; the task claims the row, writes the
workbook to a temporary file while reporting its progress on the row (a plain UPDATE, visible at once to the page
that polls it), then stores the file in the default (private) storage and marks the row ready, or failed with the
reason. A redelivered task finds a ready or failed row and does nothing.
"""

import logging
import tempfile
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.roles import is_staff_member
from core.services.audit import audit_record
from finance.models import ReconciliationWorkbook, WorkbookStatus

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000  # no budget year of the Region's finance in this system is older
PERMISSION = "finance.add_reconciliationworkbook"


def workbook_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def can_request_workbook(user) -> tuple[bool, str]:
    if is_staff_member(user) and user.has_perm(PERMISSION):
        return True, ""
    return False, _("Only finance staff and auditors ask for reconciliation workbooks.")


def check_year(year) -> int:
    """The budget year as a number between FIRST_YEAR and next year, or a clear refusal."""
    last = timezone.localdate().year + 1
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not FIRST_YEAR <= value <= last:
        raise InvalidInput(
            _("Give a budget year between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": last},
            extra={"fields": {"year": []}},
        )
    return value


def check_language(language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    if language not in workbook_languages():
        raise InvalidInput(
            _("The workbook can be written in %(languages)s.") % {"languages": ", ".join(workbook_languages())},
            extra={"fields": {"language": []}},
        )
    return language


@transaction.atomic
def workbook_request(*, actor, year, language: str | None = None) -> ReconciliationWorkbook:
    """Ask for the workbook of `year` in `language` (by default the language of the page). The same person asking
    again for the same year and language while one is still queued or being built gets that one."""
    allowed, reason = can_request_workbook(actor)
    if not allowed:
        raise NotPermitted(reason)
    year, language = check_year(year), check_language(language)
    # The requester's row serialises their own requests: a double click queues one workbook, not two.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    pending = ReconciliationWorkbook.objects.filter(
        requested_by=actor, year=year, language=language, status__in=[WorkbookStatus.QUEUED, WorkbookStatus.RUNNING]
    ).first()
    if pending is not None:
        return pending
    workbook = ReconciliationWorkbook.objects.create(year=year, language=language, requested_by=actor)
    audit_record(obj=workbook, actor=actor, action="requested", changes={"year": year, "language": language})
    from finance.tasks import reconciliation_workbook

    transaction.on_commit(partial(reconciliation_workbook.delay, workbook.pk))
    return workbook


def _progress(workbook_id: int, done: int, total: int) -> None:
    ReconciliationWorkbook.objects.filter(pk=workbook_id).update(done=done, total=total)


def workbook_build(*, workbook_id: int) -> ReconciliationWorkbook | None:
    """Build a requested workbook. Not one transaction: the progress written as it goes must be seen by the page.
    Returns the row, or None when there is nothing (more) to do (unknown, already ready or failed)."""
    from finance.reconciliation import build_workbook

    # A queued row, or a running one whose worker died (the broker delivers the task again): claim it.
    claimed = ReconciliationWorkbook.objects.filter(
        pk=workbook_id, status__in=[WorkbookStatus.QUEUED, WorkbookStatus.RUNNING]
    ).update(status=WorkbookStatus.RUNNING, done=0, error="")
    if not claimed:
        return None
    workbook = ReconciliationWorkbook.objects.get(pk=workbook_id)
    try:
        with tempfile.TemporaryFile(suffix=".xlsx") as output:
            build_workbook(
                year=workbook.year,
                language=workbook.language,
                out=output,
                progress=partial(_progress, workbook.pk),
            )
            output.seek(0)
            name = workbook.file.field.generate_filename(
                workbook, f"reconciliation-{workbook.year}-{workbook.language}-{workbook.pk}.xlsx"
            )
            stored = workbook.file.storage.save(name, File(output))
    except Exception as error:
        logger.exception("reconciliation workbook %s failed", workbook.pk)
        ReconciliationWorkbook.objects.filter(pk=workbook.pk).update(
            status=WorkbookStatus.FAILED, error=f"{type(error).__name__}: {error}"[:2000], finished_at=timezone.now()
        )
    else:
        marked = ReconciliationWorkbook.objects.filter(pk=workbook.pk, status=WorkbookStatus.RUNNING).update(
            status=WorkbookStatus.READY, file=stored, finished_at=timezone.now()
        )
        if not marked:  # a second delivery of the task finished first: its file is the one kept
            workbook.file.storage.delete(stored)
    workbook.refresh_from_db()
    return workbook
