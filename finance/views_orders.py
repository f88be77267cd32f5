"""The staff pages of payment orders, SEPA batches and the budget: preparing an order from a payment request,
the orders list and an order's page (approve with the controller's visa, reject with a reason, its history), the
batches (a new batch from approved orders of one paying account, its page, its file) and the budget dashboard per
year with its chart and the credits form.

Every action calls one service (finance.services.orders, finance.services.budget); a refusal is shown on the page
with status 400 (403 for a four-eyes refusal), nothing changed. Lists run a fixed number of queries."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotPermitted
from core.forms import apply_service_error
from core.models import BankAccount
from core.ogm import ogm_display
from core.selectors import audit_trail
from core.views.access import require_staff_permission as _require
from finance.forms_orders import ApproveForm, BatchForm, CreditForm, PrepareForm, RejectForm, new_token
from finance.models import OrderStatus, Payable, PaymentBatch, PaymentOrder, TreasuryAccount
from finance.models.bank import AccountPurpose
from finance.services.budget import LineFigures, budget_figures, credit_set
from finance.services.orders import (
    approvals_given,
    batch_create,
    batch_download,
    live_orders,
    order_approve,
    order_prepare,
    order_reject,
    with_account_purpose,
)

PAGE_SIZE = 50
VIEW_ORDERS = "finance.view_paymentorder"
VIEW_BATCHES = "finance.view_paymentbatch"
VIEW_BUDGET = "finance.view_budgetcredit"


def _attempt(form: forms.Form, service: Callable[[dict[str, Any]], Any], perm: str, user) -> tuple[Any, int]:
    """Call `service` on a valid form: (its result, 200), or (None, status) with the refusal on the form. A refusal
    of someone who holds the right (their own order: four eyes) stays on the page, with status 403."""
    if not form.is_valid():
        return None, 400
    try:
        return service(form.cleaned_data), 200
    except NotPermitted as error:
        if not user.has_perm(perm):
            raise PermissionDenied(error.message) from None
        form.add_error(None, error.message)
        return None, 403
    except ApplicationError as error:
        apply_service_error(form, error)
        return None, 400


def _orders():
    return with_account_purpose(
        PaymentOrder.objects.select_related("beneficiary", "budget_line", "payable", "prepared_by", "batch")
    )


# Preparing -----------------------------------------------------------------------------------------------------


def order_prepare_page(request: HttpRequest, payable_pk: int) -> HttpResponse:
    _require(request.user, "finance.add_paymentorder")
    payable = get_object_or_404(
        Payable.objects.select_related("beneficiary", "commitment__envelope__budget_line"), pk=payable_pk
    )
    form = PrepareForm(request.POST or None, initial={"token": new_token()})
    if request.method == "POST":
        order, status = _attempt(
            form,
            lambda data: order_prepare(
                actor=request.user,
                payable_id=payable.pk,
                idempotency_key=data["token"],
                structured_communication=data["structured_communication"],
            ),
            "finance.add_paymentorder",
            request.user,
        )
        if order is not None:
            messages.success(
                request,
                _("Payment order %(order)s is prepared: a finance approver approves it.")
                % {"order": order.end_to_end_id},
            )
            return redirect("staff:finance:orders:detail", order.pk)
    else:
        status = 200
    context = {
        "payable": payable,
        "account": BankAccount.objects.filter(organisation=payable.beneficiary_id, is_primary=True).first(),
        "live": live_orders().filter(payable=payable).first(),
        "form": form,
    }
    return render(request, "staff/finance/orders/prepare.html", context, status=status)


# Orders --------------------------------------------------------------------------------------------------------


def order_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_ORDERS)
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    orders = _orders().order_by("-prepared_at", "-pk")
    if status:
        orders = orders.filter(status=status)
    counts = dict(PaymentOrder.objects.order_by().values_list("status").annotate(n=Count("pk")))
    context = {
        "page": Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in OrderStatus.choices],
        "may_batch": request.user.has_perm("finance.add_paymentbatch"),
    }
    return render(request, "staff/finance/orders/list.html", context)


def _order_or_404(pk: int) -> PaymentOrder:
    order = (
        _orders()
        .select_related("commitment", "first_approved_by", "second_approved_by", "rejected_by")
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise Http404(_("No such payment order."))
    return order


def _render_order(request: HttpRequest, order: PaymentOrder, status: int = 200, **failed: Any) -> HttpResponse:
    user = request.user
    waiting = order.status == OrderStatus.PREPARED
    may_decide = user.has_perm("finance.change_paymentorder")
    own = user.pk in (order.prepared_by_id, order.first_approved_by_id)
    context = {
        "order": order,
        "ogm": ogm_display(order.structured_communication) if order.structured_communication else "",
        "approvals": approvals_given(order),
        "may_approve": may_decide and waiting,
        "own": own,
        "may_reject": may_decide and order.status in (OrderStatus.PREPARED, OrderStatus.APPROVED),
        "approve_form": failed.get("approve_form")
        or ApproveForm(initial={"seen_approvals": approvals_given(order), "visa_date": timezone.localdate()}),
        "reject_form": failed.get("reject_form") or RejectForm(),
        "audit": list(audit_trail(order)[:100]),
        "today": timezone.localdate(),
    }
    return render(request, "staff/finance/orders/detail.html", context, status=status)


def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_ORDERS)
    return _render_order(request, _order_or_404(pk))


@require_POST
def order_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_ORDERS)
    order = _order_or_404(pk)
    form = ApproveForm(request.POST)
    approved, status = _attempt(
        form,
        lambda data: order_approve(
            actor=request.user,
            order_id=order.pk,
            visa_reference=data["visa_reference"],
            visa_date=data["visa_date"],
            seen_approvals=data["seen_approvals"],
        ),
        "finance.change_paymentorder",
        request.user,
    )
    if approved is None:
        return _render_order(request, _order_or_404(pk), status=status, approve_form=form)
    if approved.status == OrderStatus.APPROVED:
        messages.success(request, _("Payment order %(order)s is approved.") % {"order": approved.end_to_end_id})
    else:
        messages.success(request, _("Your approval is recorded: a second approver is needed."))
    return redirect("staff:finance:orders:detail", order.pk)


@require_POST
def order_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_ORDERS)
    order = _order_or_404(pk)
    form = RejectForm(request.POST)
    rejected, status = _attempt(
        form,
        lambda data: order_reject(actor=request.user, order_id=order.pk, reason=data["reason"]),
        "finance.change_paymentorder",
        request.user,
    )
    if rejected is None:
        return _render_order(request, _order_or_404(pk), status=status, reject_form=form)
    messages.success(
        request, _("Payment order %(order)s is returned to its preparer.") % {"order": order.end_to_end_id}
    )
    return redirect("staff:finance:orders:detail", order.pk)


# Batches -------------------------------------------------------------------------------------------------------


def batch_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_BATCHES)
    batches = PaymentBatch.objects.select_related("debtor_account", "created_by").defer("xml")
    context = {
        "page": Paginator(batches.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page")),
        "may_batch": request.user.has_perm("finance.add_paymentbatch"),
        "ready": PaymentOrder.objects.filter(status=OrderStatus.APPROVED, batch__isnull=True).count(),
    }
    return render(request, "staff/finance/orders/batches.html", context)


def _batchable() -> dict[str, list[PaymentOrder]]:
    """Approved orders not in a batch, per paying account purpose."""
    groups: dict[str, list[PaymentOrder]] = {purpose: [] for purpose in AccountPurpose.values}
    for order in _orders().filter(status=OrderStatus.APPROVED, batch__isnull=True).order_by("pk"):
        groups[order.account_purpose].append(order)  # type: ignore[attr-defined]
    return groups


def batch_new(request: HttpRequest) -> HttpResponse:
    _require(request.user, "finance.add_paymentbatch")
    form = BatchForm(request.POST or None)
    status = 200
    if request.method == "POST":
        batch, status = _attempt(
            form,
            lambda data: batch_create(
                actor=request.user,
                order_ids=data["orders"],
                scheme=data["scheme"],
                execution_date=data["execution_date"],
                account_id=data["account"].pk if data["account"] else None,
            ),
            "finance.add_paymentbatch",
            request.user,
        )
        if batch is not None:
            messages.success(request, _("Batch %(batch)s is made and its file validated.") % {"batch": batch.reference})
            return redirect("staff:finance:batches:detail", batch.pk)
    accounts = list(TreasuryAccount.objects.all())
    purposes_with_account = {account.purpose for account in accounts}
    groups = [
        {"purpose": purpose, "label": label, "has_account": purpose in purposes_with_account, "orders": orders}
        for (purpose, label), orders in zip(AccountPurpose.choices, _batchable().values(), strict=True)
    ]
    checked = set(form["orders"].value() or []) if form.is_bound else set()
    context = {
        "form": form,
        "accounts": accounts,
        "groups": groups,
        "checked": {str(pk) for pk in checked},
        "today": timezone.localdate(),
    }
    return render(request, "staff/finance/orders/batch_new.html", context, status=status)


def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_BATCHES)
    batch = get_object_or_404(PaymentBatch.objects.select_related("debtor_account", "created_by").defer("xml"), pk=pk)
    context = {
        "batch": batch,
        "orders": list(_orders().filter(batch=batch).order_by("pk")),
        "may_download": request.user.has_perm("finance.add_paymentbatch"),
        "audit": list(audit_trail(batch)[:100]),
    }
    return render(request, "staff/finance/orders/batch_detail.html", context)


def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, VIEW_BATCHES)
    try:
        batch = batch_download(actor=request.user, batch_id=pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("staff:finance:batches:detail", pk)
    response = HttpResponse(bytes(batch.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{batch.reference}.xml"'
    return response


# Budget --------------------------------------------------------------------------------------------------------

CHART_WIDTH = 640
CHART_LABEL = 170
CHART_SPACE = CHART_WIDTH - CHART_LABEL - 10
CHART_BAR = 14
CHART_STEP = 18
CHART_HEADING = 22
# Fill colours written on the bars themselves: red is kept for an amount above the year's credit.
COLOURS = {"credit": "#1d4f91", "committed": "#6b8fc7", "due": "#b26a00", "paid": "#1e5e2b"}
OVERRUN = "#a4161a"


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal
    y: int
    width: int
    css: str
    over: bool = False
    limit: int | None = None  # where the year's credit ends, for committed and paid

    @property
    def colour(self) -> str:
        return OVERRUN if self.over else COLOURS[self.css]


@dataclass(frozen=True)
class ChartGroup:
    figures: LineFigures
    y: int
    bars: list[Bar]


def _chart(figures: list[LineFigures]) -> tuple[list[ChartGroup], int]:
    """Per budget line four bars (commitment credit, committed, liquidated, paid) on the scale of the largest amount,
    committed and paid with a mark where the year's credit ends; an amount that is not zero stays visible."""
    scale = max(
        (max(f.commitment_credit, f.committed, f.liquidated, f.paid, f.payment_credit) for f in figures),
        default=Decimal("0"),
    )

    def width(amount: Decimal) -> int:
        size = int(CHART_SPACE * amount / scale) if scale else 0
        return max(size, 1 if amount else 0)

    groups, y = [], 0
    for figure in figures:
        credit_mark = width(figure.commitment_credit) if figure.has_credit else None
        payment_mark = width(figure.payment_credit) if figure.has_credit else None
        rows = [
            (_("Commitment credit"), figure.commitment_credit, "credit", False, None),
            (_("Committed"), figure.committed, "committed", figure.commitment_overrun, credit_mark),
            (_("Liquidated"), figure.liquidated, "due", False, None),
            (_("Paid"), figure.paid, "paid", figure.payment_overrun, payment_mark),
        ]
        bars = [
            Bar(str(label), amount, CHART_HEADING + index * CHART_STEP, width(amount), css, over, limit)
            for index, (label, amount, css, over, limit) in enumerate(rows)
        ]
        groups.append(ChartGroup(figure, y, bars))
        y += CHART_HEADING + len(rows) * CHART_STEP + 12
    return groups, y


def _year(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _render_budget(request: HttpRequest, year: int, form: CreditForm | None = None, status: int = 200) -> HttpResponse:
    figures = budget_figures(year)
    groups, height = _chart(figures)
    totals = {
        name: sum((getattr(f, name) for f in figures), Decimal("0"))
        for name in ("commitment_credit", "committed", "liquidated", "paid", "payment_credit")
    }
    context = {
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 6, -1),
        "figures": figures,
        "totals": totals,
        "groups": groups,
        "chart_width": CHART_WIDTH,
        "chart_height": max(height, 1),
        "chart_label": CHART_LABEL,
        "chart_bar": CHART_BAR,
        "may_set": request.user.has_perm("finance.add_budgetcredit"),
        "form": form or CreditForm(initial={"year": year}),
    }
    return render(request, "staff/finance/orders/budget.html", context, status=status)


def budget_page(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_BUDGET)
    return _render_budget(request, _year(request.GET.get("year")))


@require_POST
def budget_credit(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_BUDGET)
    form = CreditForm(request.POST)
    credit, status = _attempt(
        form,
        lambda data: credit_set(
            actor=request.user,
            budget_line_id=data["budget_line"].pk if data["budget_line"] else 0,
            year=data["year"],
            commitment_credit=data["commitment_credit"],
            payment_credit=data["payment_credit"],
        ),
        "finance.add_budgetcredit",
        request.user,
    )
    if credit is None:
        return _render_budget(request, _year(request.POST.get("year")), form=form, status=status)
    messages.success(
        request,
        _("The %(year)s credits of %(line)s are recorded.") % {"year": credit.year, "line": credit.budget_line.code},
    )
    return redirect(f"{reverse('staff:finance:budget:index')}?year={credit.year}")
