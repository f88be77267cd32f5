"""What the FRBRTC lends, on the portal: the open loan products (their terms, each organisation's borrowing capacity,
starting an application) and the borrower's loans: the list, and a loan's page with its terms, balances (from the
ledger), the schedule in force, the instalments with their structured communication and what each still owes, the
drawdowns with their invoices, the repayments received, and the drawdown request a signatory sends. Preparing an
application is in loans/views_portal.py.

As there: reads go through loans.selectors (another borrower's loan is a 404), each write calls one service
(loan_application_create, drawdown_request), and a refusal shows the page again with the message (400 bad input, 403
the person's role does not allow it, nothing stored)."""

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
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from core.errors import ApplicationError
from core.models import Organisation, OrganisationKind
from core.money import MoneyField, format_eur
from core.ogm import ogm_display
from core.uploads import max_upload_bytes
from loans.forms_portal import (
    DrawdownForm,
    amount_text,
    error_list,
    invoice_errors_apply,
    invoice_formset,
    invoice_rows_typed,
    invoices_payload,
)
from loans.ledger import balances, owed_by_installment
from loans.models import Drawdown, DrawdownStatus, LedgerEntry, Loan, LoanProductVersion, LoanStatus
from loans.models.products import MONTHS_PER_PERIOD
from loans.permissions import can_sign_for
from loans.selectors import (
    borrowers_for,
    loan_applications_of_user,
    loan_for_user,
    loans_of_user,
    open_products,
    published_product_version,
)
from loans.services.applications import loan_application_create
from loans.services.drawdowns import drawdown_request, drawdown_room
from loans.services.schedules import current_schedule
from loans.services.submission import document_label
from loans.views_portal import error_shown, signatories

ZERO = Decimal("0.00")


# --- the term, as the product and the loan pages write it ----------------------------------------------------------


def term_text(months: int) -> str:
    if months % 12 == 0:
        return ngettext("%(count)s year", "%(count)s years", months // 12) % {"count": months // 12}
    return ngettext("%(count)s month", "%(count)s months", months) % {"count": months}


def loan_term_months(loan: Loan) -> int:
    return loan.periods * MONTHS_PER_PERIOD[loan.frequency]


# --- open loan products -----------------------------------------------------------------------------------------------


def open_loan_summaries() -> list[dict[str, Any]]:
    """The open loan products for the portal's home page (registered with core.portal_hooks in loans/apps.py)."""
    return [
        {
            "kind": "loan",
            "title": version.title,
            "label": version.get_kind_display(),
            "closes_at": version.closes_at,
            "envelope": version.envelope,
            "url": reverse("loans:product", args=[version.product.code]),
        }
        for version in open_products()
    ]


def product_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/loans/product_list.html", {"products": open_products()})


def _published_product(code: str) -> LoanProductVersion:
    version = published_product_version(code)
    if version is None:
        raise Http404(_("No such loan product."))
    return version


def _product_context(request: HttpRequest, version: LoanProductVersion) -> dict[str, Any]:
    kinds = [OrganisationKind(kind).label for kind in version.eligible_kinds if kind in OrganisationKind.values]
    user = request.user
    existing = (
        list(loan_applications_of_user(user).filter(product_version__product_id=version.product_id))
        if user.is_authenticated
        else []
    )
    return {
        "version": version,
        "is_open": version.is_open(),
        "kinds": kinds,
        "term": term_text(version.term_months),
        "documents": [
            {
                "label": document_label(spec),
                "required": spec.get("required", True),
                "per_project": spec.get("per_project"),
            }
            for spec in version.required_documents
        ],
        "borrowers": borrowers_for(user, version),
        "existing": existing,
    }


def product_detail(request: HttpRequest, code: str, *, refusal: str = "", status: int = 200) -> HttpResponse:
    context = {**_product_context(request, _published_product(code)), "refusal": refusal}
    return render(request, "portal/loans/product_detail.html", context, status=status)


@login_required
@require_POST
def apply(request: HttpRequest, code: str) -> HttpResponse:
    version = _published_product(code)
    try:
        organisation_id = int(request.POST.get("organisation", ""))
        application = loan_application_create(
            actor=request.user, version_id=version.pk, organisation_id=organisation_id
        )
    except (ValueError, Organisation.DoesNotExist):
        raise Http404(_("No such organisation.")) from None
    except ApplicationError as error:
        return product_detail(request, code, refusal=str(error.message), status=error.status_code)
    messages.success(request, _("Your loan application was created. Describe its purpose and its projects."))
    return redirect("loans:application", pk=application.pk)


# --- the loans --------------------------------------------------------------------------------------------------------


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
        {
            "installment": installment,
            "ogm": ogm_display(installment.structured_communication),
            "owed": owed.get(installment.pk),
        }
        for installment in loan.installments.filter(cancelled=False).order_by("n")
    ]


def _repayments(loan: Loan) -> list[dict[str, Any]]:
    repayments = loan.repayments.select_related("installment").order_by("value_date", "id")
    return [
        {"repayment": r, "ogm": ogm_display(r.structured_communication) if r.structured_communication else ""}
        for r in repayments
    ]


def _loan_context(request: HttpRequest, loan: Loan) -> dict[str, Any]:
    schedule = current_schedule(loan)
    drawdowns = list(loan.drawdowns.prefetch_related("invoices").order_by("number"))
    may_sign = can_sign_for(request.user, loan.borrower_id)[0]
    return {
        "loan": loan,
        "term": term_text(loan_term_months(loan)),
        "balances": balances(loan),
        **drawdown_room(loan, drawdowns),
        "schedule": schedule,
        "lines": list(schedule.lines.order_by("n")) if schedule else [],
        "installments": _installments(loan),
        "drawdowns": drawdowns,
        "repayments": _repayments(loan),
        "may_draw": may_sign and loan.status == LoanStatus.ACTIVE,
        "signatories": signatories(loan.borrower_id),
        "max_upload": max_upload_bytes(),
    }


def render_loan(
    request: HttpRequest, loan: Loan, *, form=None, invoices=None, error: dict | None = None, status: int = 200
) -> HttpResponse:
    form = form if form is not None else DrawdownForm()
    invoices = invoices if invoices is not None and invoices.forms else invoice_formset()  # always rows to fill
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
        invoice_errors_apply(invoices, error)
        shown = error_shown(error, "drawdown")
        return render_loan(request, loan, form=form, invoices=invoices, error=shown, status=error.status_code)
    messages.success(
        request,
        _("Drawdown %(number)s of %(amount)s was asked for. Brussels Local Authorities will check it.")
        % {"number": drawdown.number, "amount": format_eur(drawdown.amount)},
    )
    return redirect(reverse("loans:loan", args=[loan.pk]) + "#drawdowns")
