"""The schedule simulator for loan analysts: the inputs of `manage.py loan_schedule` (a loan drawn in full on its
start date), the table with its totals, and the same as CSV. Nothing is stored, so the form is a GET."""

import csv
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.views.access import require_decision
from core.views.service_forms import render_form
from loans.forms_staff import SimulatorForm
from loans.management.commands.loan_schedule import CSV_HEADER
from loans.permissions import can_analyse
from loans.schedules import Line, ScheduleError, simulate

TOTALS = ("payment", "interest", "principal")


def _simulate(form: SimulatorForm) -> list[Line] | None:
    """The schedule, or None with the reason on the form (bad inputs show no table)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return simulate(
            principal=data["principal"],
            rate=data["rate"],
            years=data["years"],
            frequency=data["frequency"],
            method=data["method"],
            day_count=data["day_count"],
            start=data["start"],
            grace_principal=data["grace_periods"] or 0,
            grace_interest=data["interest_grace"] or 0,
            due_date_rule=data["due_date_rule"],
        )
    except ScheduleError as error:
        form.add_error(None, str(error))
        return None


def simulator(request: HttpRequest) -> HttpResponse:
    require_decision(can_analyse(request.user))
    form = SimulatorForm(request.GET or None)
    lines = _simulate(form) if request.GET else None
    totals = {name: sum((getattr(line, name) for line in lines), Decimal("0.00")) for name in TOTALS} if lines else None
    context = {"form": form, "lines": lines, "totals": totals, "query": request.GET.urlencode()}
    return render_form(request, "staff/loans/loans/simulator.html", context)


def simulator_csv(request: HttpRequest) -> HttpResponse:
    require_decision(can_analyse(request.user))
    form = SimulatorForm(request.GET)
    lines = _simulate(form)
    if lines is None:
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return HttpResponse(message or _("Fill in the simulator first."), status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="schedule.csv"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in lines:
        amounts = (line.payment, line.interest, line.principal, line.outstanding)
        writer.writerow([line.n, line.due_date.isoformat(), *(f"{amount:.2f}" for amount in amounts)])
    return response
