"""The portfolio page: loans per borrower and per product, with what was granted and drawn, what is outstanding,
what falls due in the next 12 months and what is in arrears; and the same per loan as a spreadsheet."""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.views.access import require_staff_permission as require
from loans import exports
from loans.portfolio import portfolio, twelve_months_after

VIEW = "loans.view_loan"


def portfolio_page(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    today = timezone.localdate()
    context = {"portfolio": portfolio(today=today), "today": today, "horizon": twelve_months_after(today)}
    return render(request, "staff/loans/portfolio/index.html", context)


def portfolio_export(request: HttpRequest) -> FileResponse:
    require(request.user, VIEW)
    today = timezone.localdate()
    return exports.xlsx_response(exports.portfolio_workbook(today=today), f"loan-portfolio-{today:%Y%m%d}.xlsx")
