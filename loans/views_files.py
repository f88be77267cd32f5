"""Files of loan applications and loans are served only here, after a permission check, never from a public URL.
The same views serve the portal and the staff site (the selectors decide who sees what)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _

from core.downloads import private_attachment
from loans import selectors

PDF = "application/pdf"


@login_required
def document_download(request: HttpRequest, document_id: int) -> FileResponse:
    document = selectors.loan_document_for_user(request.user, document_id)
    if document is None:
        raise Http404(_("No such document."))
    return private_attachment(document.file, document.original_name, document.content_type)


@login_required
def receipt_download(request: HttpRequest, snapshot_id: int) -> FileResponse:
    snapshot = selectors.loan_snapshot_for_user(request.user, snapshot_id)
    if snapshot is None or not snapshot.receipt:
        raise Http404(_("No such receipt."))
    return private_attachment(snapshot.receipt, f"{snapshot.application.reference}-{snapshot.number}.pdf", PDF)


@login_required
def convention_download(request: HttpRequest, application_id: int, kind: str) -> FileResponse:
    convention = selectors.convention_for_user(request.user, application_id)
    files = {"generated": convention.document, "signed": convention.signed_document} if convention else {}
    file = files.get(kind)
    if convention is None or not file:
        raise Http404(_("No such convention."))
    return private_attachment(file, f"{convention.application.reference}-convention-{kind}.pdf", PDF)


@login_required
def invoice_download(request: HttpRequest, invoice_id: int) -> FileResponse:
    invoice = selectors.invoice_for_user(request.user, invoice_id)
    if invoice is None:
        raise Http404(_("No such invoice."))
    return private_attachment(invoice.file, invoice.original_name, invoice.content_type)


@login_required
def notice_download(request: HttpRequest, installment_id: int) -> FileResponse:
    installment = selectors.installment_for_user(request.user, installment_id)
    if installment is None or not installment.notice:
        raise Http404(_("No such due notice."))
    return private_attachment(installment.notice, f"{installment.loan.reference}-{installment.n:03d}.pdf", PDF)
