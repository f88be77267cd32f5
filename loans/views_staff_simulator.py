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
from loans.schedules import Drawdown, Line, ScheduleError, build_schedule

TOTALS = ("payment", "interest", "principal")


def _simulate(form: SimulatorForm) -> list[Line] | None:
    """The schedule, or None with the reason on the form (bad inputs show no table)."""
    if not form.is_valid():
        return None
    terms = form.terms()
    try:
        return build_schedule(terms, [Drawdown(form.cleaned_data["principal"], terms.start)])
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
