"""The staff pages of loans: the list with what each loan has outstanding and in arrears, and the loan page (terms,
commitment, balances, schedules, instalments, ledger, drawdowns) with its actions: approving or refusing a drawdown,
recording a repayment, writing off, reversing an event; and the schedule in force as a spreadsheet.

Every action calls one service. A refusal is shown on the loan page, status 400, with nothing changed."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Organisation
from core.money import format_eur
from core.ogm import ogm_display
from core.views.access import require_staff_permission as require
from core.views.service_forms import submit
from loans import exports
from loans.forms_staff import DrawdownRefusalForm, RepaymentForm, ReversalForm, WriteOffForm, new_token
from loans.ledger import balances
from loans.models import Drawdown, EntryKind, LedgerEntry, Loan, LoanProduct, LoanStatus, ScheduleLine
from loans.permissions import can_analyse, can_record_repayment, can_write_off
from loans.portfolio import installment_rows, with_figures
from loans.selectors import REVERSIBLE, loan_for_user, loans_for_staff, reversible_events
from loans.services.drawdowns import drawdown_approve, drawdown_reject
from loans.services.repayments import event_reverse, repayment_record, write_off_record
from loans.views_staff import STAFF_PAGE_SIZE, attempt, int_or_none

VIEW = "loans.view_loan"


# The list ------------------------------------------------------------------------------------------------------


def loan_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    product_id = int_or_none(request.GET.get("product"))
    organisation_id = int_or_none(request.GET.get("borrower"))
    status = request.GET.get("status", "") if request.GET.get("status") in LoanStatus.values else ""
    loans = loans_for_staff().order_by("-activated_at", "-pk")
    if product_id:
        loans = loans.filter(product_version__product_id=product_id)
    if organisation_id:
        loans = loans.filter(borrower_id=organisation_id)
    if status:
        loans = loans.filter(status=status)
    context = {
        "page": Paginator(with_figures(loans), STAFF_PAGE_SIZE).get_page(request.GET.get("page")),
        "product_id": product_id,
        "organisation_id": organisation_id,
        "status": status,
        "products": list(LoanProduct.objects.order_by("code").values_list("pk", "code")),
        "statuses": LoanStatus.choices,
        "organisations": list(Organisation.objects.filter(pk__in=Loan.objects.values("borrower_id")).order_by("code")),
        "may_simulate": can_analyse(request.user)[0],
    }
    return render(request, "staff/loans/loans/list.html", context)


# The loan page -------------------------------------------------------------------------------------------------


def _loan_or_404(request: HttpRequest, pk: int) -> Loan:
    require(request.user, VIEW)
    loan = loan_for_user(request.user, pk)
    if loan is None:
        raise Http404(_("No such loan."))
    return loan


def _event_label(entry: LedgerEntry) -> str:
    date = entry.value_date.strftime("%d/%m/%Y")
    if entry.kind == EntryKind.WRITE_OFF:
        return _("Write-off %(reference)s of %(date)s") % {"reference": entry.decision_reference, "date": date}
    amount = format_eur(entry.repayment.amount) if entry.repayment else ""
    return _("Repayment of %(amount)s valued %(date)s") % {"amount": amount, "date": date}


def _ledger(loan: Loan) -> tuple[list[Any], list[tuple[str, str]]]:
    """The entries in date order, each marked when reversed, and the events that can still be reversed."""
    entries: list[Any] = list(  # each gets is_reversed for the page
        loan.entries.select_related("installment", "drawdown", "repayment", "created_by").order_by("value_date", "id")
    )
    reversed_ids = {entry.reverses_id for entry in entries if entry.reverses_id}
    events: dict[str, str] = {}
    for entry in entries:
        entry.is_reversed = entry.pk in reversed_ids
        if entry.kind in REVERSIBLE and not entry.is_reversed:
            events.setdefault(entry.event, _event_label(entry))
    return entries, list(events.items())


def _schedules(loan: Loan) -> list:
    lines = Prefetch("lines", queryset=ScheduleLine.objects.order_by("n"), to_attr="ordered_lines")
    return list(loan.schedules.select_related("created_by").prefetch_related(lines).order_by("-number"))


def _in_force(schedule, installments: list[dict]) -> dict | None:
    """The schedule in force, each line with its instalment's structured communication, and its totals."""
    if schedule is None:
        return None
    communications = {row["installment"].n: row["ogm"] for row in installments}
    lines = [{"line": line, "ogm": communications.get(line.n, "")} for line in schedule.ordered_lines]
    totals = {
        name: sum(getattr(line, name) for line in schedule.ordered_lines)
        for name in ("payment", "interest", "principal")
    }
    return {"schedule": schedule, "lines": lines, "totals": totals}


def _loan_context(request: HttpRequest, loan: Loan, **failed: Any) -> dict:
    """The loan page. `failed` holds what a refused action leaves on it: `error` (a message), or the bound form
    (`repayment_form`, `write_off_form`, `reversal_form`, or `refusal_form` with `drawdown_id`)."""
    user, active = request.user, loan.status == LoanStatus.ACTIVE
    installments = [
        {**row, "ogm": ogm_display(row["installment"].structured_communication)} for row in installment_rows(loan)
    ]
    due = [row for row in installments if row["is_due"] and row["owed"] > 0]  # what a write-off can settle
    entries, events = _ledger(loan)
    schedules = _schedules(loan)
    return {
        "loan": loan,
        "figures": with_figures(Loan.objects.filter(pk=loan.pk)).values("drawn", "due_next_12_months", "arrears").get(),
        "balances": balances(loan),
        "in_force": _in_force(schedules[0] if schedules else None, installments),
        "earlier": schedules[1:],
        "installments": installments,
        "due": due,
        "entries": entries,
        "events": events,
        "drawdowns": list(
            loan.drawdowns.select_related("requested_by", "decided_by", "payable").prefetch_related("invoices")
        ),
        "may_analyse": can_analyse(user)[0],
        "may_repay": active and can_record_repayment(user)[0],
        "may_write_off": active and can_write_off(user)[0],
        "may_reverse": bool(events) and (can_record_repayment(user)[0] or can_write_off(user)[0]),
        "error": failed.get("error"),
        "drawdown_id": failed.get("drawdown_id"),
        "refusal_form": failed.get("refusal_form") or DrawdownRefusalForm(),
        "repayment_form": failed.get("repayment_form") or RepaymentForm(initial={"token": new_token()}),
        "write_off_form": failed.get("write_off_form")
        or WriteOffForm(installments=[row["installment"] for row in due]),
        "reversal_form": failed.get("reversal_form") or ReversalForm(events=events),
        "today": timezone.localdate(),
    }


def _render_loan(request: HttpRequest, loan: Loan, status: int = 200, **failed: Any) -> HttpResponse:
    return render(request, "staff/loans/loans/detail.html", _loan_context(request, loan, **failed), status=status)


def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_loan(request, _loan_or_404(request, pk))


def _back(loan: Loan, anchor: str) -> HttpResponse:
    return redirect(reverse("staff:loans:loans:detail", args=[loan.pk]) + anchor)


# Actions -------------------------------------------------------------------------------------------------------


def _drawdown_or_404(loan: Loan, drawdown_pk: int) -> Drawdown:
    return get_object_or_404(Drawdown, pk=drawdown_pk, loan=loan)


@require_POST
def drawdown_approve_view(request: HttpRequest, pk: int, drawdown_pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    drawdown = _drawdown_or_404(loan, drawdown_pk)
    _approved, error = attempt(lambda: drawdown_approve(actor=request.user, drawdown_id=drawdown.pk))
    if error is not None:
        return _render_loan(request, loan, status=400, error=error.message, drawdown_id=drawdown.pk)
    messages.success(request, _("Drawdown %(number)s is approved: finance pays it.") % {"number": drawdown.number})
    return _back(loan, "#drawdowns")


def _with_form(
    request: HttpRequest, loan: Loan, form, service: Callable[[dict], Any], *, success: str, anchor: str, **failed
) -> HttpResponse:
    """Submit `form` to `service`; on a refusal the loan page shows the form with its messages."""
    if submit(request, form, service, success=success) is not None:
        return _back(loan, anchor)
    return _render_loan(request, loan, status=400, **failed)


@require_POST
def drawdown_refuse_view(request: HttpRequest, pk: int, drawdown_pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    drawdown = _drawdown_or_404(loan, drawdown_pk)
    form = DrawdownRefusalForm(request.POST)
    return _with_form(
        request,
        loan,
        form,
        lambda data: drawdown_reject(actor=request.user, drawdown_id=drawdown.pk, reason=data["reason"]),
        success=_("Drawdown %(number)s is refused.") % {"number": drawdown.number},
        anchor="#drawdowns",
        refusal_form=form,
        drawdown_id=drawdown.pk,
    )


@require_POST
def repayment_create(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    form = RepaymentForm(request.POST)
    return _with_form(
        request,
        loan,
        form,
        lambda data: repayment_record(
            actor=request.user,
            loan_id=loan.pk,
            amount=str(data["amount"]),
            value_date=data["value_date"],
            communication=data["structured_communication"],
            # The form's token: the same form posted twice (a double click, a reload) records one repayment.
            key=f"staff-repayment:{data['token']}",
        ),
        success=_("The repayment is recorded."),
        anchor="#ledger",
        repayment_form=form,
    )


@require_POST
def write_off_create(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    form = WriteOffForm(request.POST, installments=loan.installments.filter(cancelled=False))
    return _with_form(
        request,
        loan,
        form,
        lambda data: write_off_record(
            actor=request.user,
            loan_id=loan.pk,
            decision_reference=data["decision_reference"],
            decided_on=data["decided_on"],
            installment_id=data["installment"],
        ),
        success=_("The write-off is recorded."),
        anchor="#ledger",
        write_off_form=form,
    )


@require_POST
def reversal_create(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    form = ReversalForm(request.POST, events=[(event, event) for event in reversible_events(loan)])
    return _with_form(
        request,
        loan,
        form,
        lambda data: event_reverse(actor=request.user, loan_id=loan.pk, event=data["event"], reason=data["reason"]),
        success=_("The event is reversed: new entries cancel its effects."),
        anchor="#ledger",
        reversal_form=form,
    )


def schedule_export(request: HttpRequest, pk: int) -> FileResponse:
    loan = _loan_or_404(request, pk)
    export = exports.schedule_workbook(loan)
    if export is None:
        raise Http404(_("This loan has no schedule yet: it starts with the first drawdown paid."))
    return exports.xlsx_response(export, f"{loan.reference}-schedule.xlsx")
