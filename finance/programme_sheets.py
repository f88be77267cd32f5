"""The two programme sheets of the reconciliation workbook, read through finance.services.programme_figures (the same
figures as the Paradigm and We Pulse staff pages):

- Paradigm transfers of the budget year per purpose: planned, transferred (transfers in force), difference;
- We Pulse financing per authority and domain: the financing plan (cost, regional share, FRBRTC loan, own funds)
  and its actuals to date (regional share transferred, loan drawn). Regional transfers attributed to an authority
  but to no domain it has a plan for, and those attributed to no authority, get rows of their own so that the
  column adds up to every investment transfer of the programme.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from finance.models import WePulseProgramme
from finance.reconciliation_sheets import Sheet
from finance.services.programme_figures import WePulseDashboard, transfer_figures, wepulse_dashboard
from finance.workbook import INTEGER, MONEY, Column

ZERO = Decimal("0.00")


class ParadigmSheet(Sheet):
    def __init__(self, year: int) -> None:
        self.year = year
        self.rows_: list[list[Any]] = []

    def title(self) -> str:
        return _("Paradigm")

    def columns(self) -> list[Column]:
        return [
            Column(_("Purpose")),
            Column(_("Budget year"), INTEGER, total=False),
            Column(_("Planned"), MONEY),
            Column(_("Transferred"), MONEY),
            Column(_("Transferred minus planned"), MONEY),
        ]

    def count(self) -> int:
        for year in transfer_figures(years=[self.year]):
            for purpose in year.purposes:
                self.rows_.append([purpose.label, year.year, purpose.planned, purpose.actual, purpose.difference])
        return len(self.rows_)

    def rows(self) -> Iterator[list[Any]]:
        yield from self.rows_


class WePulseSheet(Sheet):
    def __init__(self, year: int) -> None:
        self.year = year
        self.dashboards: list[WePulseDashboard] = []
        self.lines = 0

    def title(self) -> str:
        return _("We Pulse")

    def columns(self) -> list[Column]:
        return [
            Column(_("Programme")),
            Column(_("Local authority")),
            Column(_("Joined")),
            Column(_("Domain")),
            Column(_("Cost"), MONEY),
            Column(_("Regional share (through Paradigm)"), MONEY),
            Column(_("FRBRTC loan"), MONEY),
            Column(_("Own funds"), MONEY),
            Column(_("Regional share transferred to date"), MONEY),
            Column(_("Loan drawn to date"), MONEY),
        ]

    def count(self) -> int:
        programmes = WePulseProgramme.objects.filter(start_year__lte=self.year).order_by("code")
        self.dashboards = [wepulse_dashboard(programme) for programme in programmes]
        self.lines = sum(1 for _row in self._rows())
        return self.lines

    def rows(self) -> Iterator[list[Any]]:
        yield from self._rows()

    def _rows(self) -> Iterator[list[Any]]:
        yes, no = _("Yes"), _("No")
        for dashboard in self.dashboards:
            programme = dashboard.programme.name
            domains = {domain.pk: domain.name for domain in dashboard.domains}
            for authority in dashboard.authorities:
                name = authority.participant.organisation.name
                joined = yes if authority.participant.joined else no
                for item in authority.plans:
                    f = item.financing
                    yield [
                        programme,
                        name,
                        joined,
                        domains.get(item.plan.domain_id, ""),
                        f.cost,
                        f.regional,
                        f.loan,
                        f.own,
                        f.actual_regional,
                        f.actual_loan,
                    ]
                elsewhere = authority.financing.actual_regional - sum(
                    (item.financing.actual_regional for item in authority.plans), ZERO
                )
                if elsewhere:
                    yield [programme, name, joined, _("No financing plan for the domain"), *[None] * 4, elsewhere, None]
            if dashboard.regional_without_authority:
                row = [programme, _("No local authority named"), None, None, *[None] * 4]
                yield [*row, dashboard.regional_without_authority, None]
