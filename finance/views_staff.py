"""The finance staff pages: payment requests (payables) waiting for the bank, each with a form to record the
bank's payment date, and those paid. Recording calls finance.services.payments.payable_mark_paid, which tells the
loans or grants side in the same transaction (a loan's drawdown is booked and its schedule recomputed)."""

from django import forms
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.views.access import require_staff_permission as _require
from core.views.service_forms import submit
from finance.models import Payable, PayableStatus, PaymentOrder
from finance.services.payments import payable_mark_paid

PAID_SHOWN = 100  # the most recent payments; older ones are in the audit trail and the exports


class PaidOnForm(forms.Form):
    # Optional here so that the service's message ("give the bank's payment date") is the one people read.
    paid_on = forms.DateField(label=gettext_lazy("Bank payment date"), required=False)


def _context(request: HttpRequest, *, failed: Payable | None = None, form: PaidOnForm | None = None) -> dict:
    # Each request's live payment order, if any (finance.views_orders prepares them): one query for the whole list.
    live = Prefetch(
        "orders", queryset=PaymentOrder.objects.exclude(status__in=["rejected", "cancelled"]), to_attr="live"
    )
    payables = Payable.objects.select_related("beneficiary", "commitment").prefetch_related(live)
    return {
        "due": list(payables.filter(status=PayableStatus.DUE).order_by("due_since", "pk")),
        "paid": list(payables.filter(status=PayableStatus.PAID).order_by("-paid_on", "-paid_at", "-pk")[:PAID_SHOWN]),
        "may_pay": request.user.has_perm("finance.change_payable"),
        "may_order": request.user.has_perm("finance.add_paymentorder"),
        "failed_id": failed.pk if failed else None,
        "failed_form": form,
        # A request paid meanwhile (by a colleague) is no longer in the list: its refusal goes on top of the page.
        "failed_elsewhere": failed if failed and failed.status != PayableStatus.DUE else None,
    }


def payable_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "finance.view_payable")
    return render(request, "staff/finance/payables.html", _context(request))


@require_POST
def payable_paid(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "finance.view_payable")
    payable = get_object_or_404(Payable, pk=pk)
    form = PaidOnForm(request.POST)
    paid = submit(
        request,
        form,
        lambda data: payable_mark_paid(actor=request.user, payable_id=payable.pk, paid_on=data["paid_on"]),
        success=_("%(reference)s is recorded as paid.") % {"reference": payable.reference},
    )
    if paid is not None:
        return redirect("staff:finance:payables:index")
    payable.refresh_from_db()  # its status now, as the refusal found it
    context = _context(request, failed=payable, form=form)
    return render(request, "staff/finance/payables.html", context, status=400)
