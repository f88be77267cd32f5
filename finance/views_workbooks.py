"""The staff page of reconciliation workbooks: ask for the workbook of a year, watch it being built (the rows still
running are refreshed every two seconds by htmx, a small fragment each) and download it when ready.

Everyone who reads finance sees every workbook (they hold the same figures whoever asked); downloads go through
this permission-checked view, never a media URL."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.downloads import private_attachment
from core.views.access import require_staff_permission as _require
from core.views.service_forms import submit
from finance.models import ReconciliationWorkbook, WorkbookStatus
from finance.services.workbooks import PERMISSION, workbook_request

VIEW = "finance.view_reconciliationworkbook"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 50  # the most recent ones; a workbook is cheap to ask for again


class WorkbookForm(forms.Form):
    # Plain fields: the service checks the range and says so in the user's language.
    year = forms.CharField(label=gettext_lazy("Budget year"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the workbook"), choices=settings.LANGUAGES)


def _visible(request: HttpRequest, pk: int) -> ReconciliationWorkbook:
    _require(request.user, VIEW)
    return get_object_or_404(ReconciliationWorkbook.objects.select_related("requested_by"), pk=pk)


def workbook_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW)
    may_request = request.user.has_perm(PERMISSION)
    initial = {"year": timezone.localdate().year, "language": (request.LANGUAGE_CODE or "fr")[:2]}
    form = WorkbookForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied(_("Your staff roles do not allow this page."))
        workbook = submit(
            request,
            form,
            lambda data: workbook_request(actor=request.user, year=data["year"], language=data["language"]),
            success=_("The workbook is being built: it will be ready to download here."),
        )
        if workbook is not None:
            return redirect("staff:finance:workbooks:index")
        status = 400
    workbooks = ReconciliationWorkbook.objects.select_related("requested_by")
    context = {
        "form": form,
        "may_request": may_request,
        "my_workbooks": list(workbooks.filter(requested_by_id=request.user.pk)[:SHOWN]),
        "other_workbooks": list(workbooks.exclude(requested_by_id=request.user.pk)[:SHOWN]),
    }
    return render(request, "staff/finance/workbooks/list.html", context, status=status)


def workbook_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """One row of the list, as it is now: what the page polls while the workbook is queued or being built."""
    workbook = _visible(request, pk)
    return render(
        request,
        "staff/finance/workbooks/_row.html",
        {"workbook": workbook, "mine": workbook.requested_by == request.user},
    )


def workbook_download(request: HttpRequest, pk: int) -> FileResponse:
    workbook = _visible(request, pk)
    if workbook.status != WorkbookStatus.READY or not workbook.file:
        raise Http404(_("This workbook is not ready."))
    name = f"reconciliation-{workbook.year}-{workbook.language}-{workbook.pk}.xlsx"
    return private_attachment(workbook.file, name, XLSX)
