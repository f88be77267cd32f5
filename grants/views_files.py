"""Files of applications are served only here, after a permission check, never from a public URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _

from core.downloads import private_attachment
from grants.selectors import document_for_user, snapshot_for_user

_attachment = private_attachment


@login_required
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    document = document_for_user(request.user, document_id)
    if document is None:
        raise Http404(_("No such document."))
    return _attachment(document.file, document.original_name, document.content_type)


@login_required
def receipt_download(request: HttpRequest, snapshot_id: int) -> FileResponse:
    snapshot = snapshot_for_user(request.user, snapshot_id)
    if snapshot is None or not snapshot.receipt:
        raise Http404(_("No such receipt."))
    return _attachment(snapshot.receipt, f"{snapshot.application.reference}-{snapshot.number}.pdf", "application/pdf")
