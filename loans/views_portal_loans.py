"""The borrower's loans on the portal: the list, and a loan's page with its terms, balances (from the ledger), the
schedule in force, the instalments with their structured communication and what each still owes, the drawdowns with
their invoices, the repayments received, and the drawdown request a signatory sends.

As in loans/views_portal.py: reads go through loans.selectors (another borrower's loan is a 404), the one write calls
loans.services.drawdowns.drawdown_request, and a refusal shows the page again with the message (400 bad input, 403
not a signatory, nothing stored)."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.errors import ApplicationError
from core.money import MoneyField, format_eur
from core.ogm import ogm_display
from core.uploads import max_upload_bytes
from loans.forms_portal import (
    DrawdownForm,
    amount_text,
    error_list,
    invoice_formset,
    invoice_rows_typed,
    invoices_payload,
)
from loans.ledger import balances, owed_by_installment
from loans.models import Drawdown, DrawdownStatus, LedgerEntry, Loan, LoanStatus
from loans.permissions import can_sign_for
from loans.selectors import loan_for_user, loans_of_user
from loans.services.drawdowns import drawdown_request
from loans.services.schedules import current_schedule
from loans.views_portal import error_shown, loan_term_months, signatories, term_text

ZERO = Decimal("0.00")


def _sum_per_loan(queryset, field: str) -> Coalesce:
    """A correlated sum (one per loan row, in the list's own query), zero when there is nothing to add."""
    total = queryset.filter(loan=OuterRef("pk")).values("loan").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total), Value(ZERO), output_field=MoneyField())


@login_required
@require_safe
def loan_list(request: HttpRequest) -> HttpResponse:
    # Subqueries rather than joins: two sums over two joined tables would multiply each other's rows.
    loans = loans_of_user(request.user).annotate(
        drawn=_sum_per_loan(Drawdown.objects.filter(status=DrawdownStatus.PAID), "amount"),
        outstanding=_sum_per_loan(LedgerEntry.objects.all(), "principal"),
    )
    return render(request, "portal/loans/loan_list.html", {"loans": list(loans)})


def _loan_or_404(request: HttpRequest, pk: int) -> Loan:
    loan = loan_for_user(request.user, pk)
    if loan is None:
        raise Http404(_("No such loan."))
    return loan


def _installments(loan: Loan) -> list[dict[str, Any]]:
    """The instalments in force, with their structured communication and, once fallen due, what they still owe."""
    owed = {row.installment.pk: row for row in owed_by_installment(loan)}
    return [
        {"installment": installment, "ogm": ogm_display(installment.structured_communication), "owed": owed.get(installment.pk)}
        for installment in loan.installments.filter(cancelled=False).order_by("n")
    ]


def _loan_context(request: HttpRequest, loan: Loan) -> dict[str, Any]:
    schedule = current_schedule(loan)
    drawdowns = list(loan.drawdowns.prefetch_related("invoices").select_related("requested_by").order_by("number"))
    may_sign = can_sign_for(request.user, loan.borrower_id)[0]
    return {
        "loan": loan,
        "term": term_text(loan_term_months(loan)),
        "balances": balances(loan),
        "drawn": sum((d.amount for d in drawdowns if d.status == DrawdownStatus.PAID), ZERO),
        "schedule": schedule,
        "lines": list(schedule.lines.order_by("n")) if schedule else [],
        "installments": _installments(loan),
        "drawdowns": drawdowns,
        "repayments": list(loan.repayments.select_related("installment").order_by("value_date", "id")),
        "may_draw": may_sign and loan.status == LoanStatus.ACTIVE,
        "signatories": signatories(loan.borrower_id),
        "max_upload": max_upload_bytes(),
    }


def render_loan(
    request: HttpRequest, loan: Loan, *, form=None, invoices=None, error: dict | None = None, status: int = 200
) -> HttpResponse:
    form = form if form is not None else DrawdownForm()
    invoices = invoices if invoices is not None else invoice_formset()
    context = {
        **_loan_context(request, loan),
        "form": form,
        "invoices": invoices,
        "errors": error_list(form, invoices, _("Invoice %(number)s")),
        "error": error,
    }
    return render(request, "portal/loans/loan_detail.html", context, status=status)


@login_required
@require_safe
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_loan(request, _loan_or_404(request, pk))


@login_required
@require_POST
def drawdown_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    loan = _loan_or_404(request, pk)
    form, invoices = DrawdownForm(request.POST), invoice_formset(request.POST, request.FILES)
    if not invoices.management_form.is_valid():
        error = {"where": "drawdown", "message": _("The data sent could not be read: reload the page.")}
        return render_loan(request, loan, error=error, status=400)
    if "add_invoice" in request.POST:  # one row more, without JavaScript; files are chosen again
        rows = invoice_formset(rows=invoice_rows_typed(invoices, more=1))
        return render_loan(request, loan, form=form, invoices=rows)
    if not (form.is_valid() & invoices.is_valid()):  # both validated, so that every error shows at once
        error = {"where": "drawdown", "message": _("Nothing was sent: correct the fields marked below.")}
        return render_loan(request, loan, form=form, invoices=invoices, error=error, status=400)
    try:
        drawdown = drawdown_request(
            actor=request.user,
            loan_id=loan.pk,
            amount=amount_text(form.cleaned_data["amount"]),
            invoices=invoices_payload(invoices),
        )
    except ApplicationError as error:
        shown = error_shown(error, "drawdown")
        return render_loan(request, loan, form=form, invoices=invoices, error=shown, status=error.status_code)
    messages.success(
        request,
        _("Drawdown %(number)s of %(amount)s was asked for. Brussels Local Authorities will check it.")
        % {"number": drawdown.number, "amount": format_eur(drawdown.amount)},
    )
    return redirect(reverse("loans:loan", args=[loan.pk]) + "#drawdowns")
