"""Figures of the Paradigm transfers and of the We Pulse programme's financing, for the staff pages and the
reconciliation workbook. Selectors: they read, in a fixed number of queries whatever the number of rows, and decide
nothing.

Transfers counted are those in force (a corrected transfer is replaced by its correction). The We Pulse actuals:
- regional share: transfers for investments of the programme, per authority and domain they are attributed to
  (a transfer may name only one of them, or neither: it then counts in the totals and in the "not attributed" rows);
- FRBRTC loan: the paid drawdowns of the loan each financing plan links to (loans.Drawdown with status paid, booked in
  the loan's ledger on the bank's payment date).
Transfers for programme steering and management are the programme's own cost, shown apart from the plans.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from core.models import OrganisationKind
from core.money import to_cents
from finance.models import (
    ParadigmPlan,
    ParadigmTransfer,
    TransferPurpose,
    WePulseDomain,
    WePulseFinancingPlan,
    WePulseParticipant,
    WePulseProgramme,
)
from loans.models import Drawdown, DrawdownStatus

ZERO = Decimal("0.00")


def transfers_in_force() -> QuerySet[ParadigmTransfer]:
    """Transfers not replaced by a correction: the ones every total counts."""
    return ParadigmTransfer.objects.filter(replaced_by__isnull=True)


# Paradigm transfers per year and purpose against the plan --------------------------------------------------------


@dataclass(frozen=True)
class PurposeFigures:
    purpose: str
    label: str
    planned: Decimal | None  # None: nothing planned was recorded
    actual: Decimal

    @property
    def difference(self) -> Decimal:
        """Transferred minus planned: above zero, more than planned."""
        return self.actual - (self.planned or ZERO)


@dataclass(frozen=True)
class YearFigures:
    year: int
    purposes: list[PurposeFigures]

    @property
    def planned(self) -> Decimal:
        return sum((p.planned or ZERO for p in self.purposes), ZERO)

    @property
    def actual(self) -> Decimal:
        return sum((p.actual for p in self.purposes), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.actual - self.planned


def transfer_figures(*, years: Collection[int] | None = None) -> list[YearFigures]:
    """Per budget year (those with a transfer or a plan, or those asked), per purpose: planned and transferred.
    Two queries."""
    transfers = transfers_in_force()
    plans = ParadigmPlan.objects.all()
    if years is not None:
        transfers, plans = transfers.filter(budget_year__in=years), plans.filter(year__in=years)
    actual = {
        (row["budget_year"], row["purpose"]): to_cents(row["total"])
        for row in transfers.order_by().values("budget_year", "purpose").annotate(total=Sum("amount"))
    }
    planned = {(year, purpose): amount for year, purpose, amount in plans.values_list("year", "purpose", "amount")}
    shown = sorted(set(years or ()) | {year for year, _purpose in (*actual, *planned)})
    return [
        YearFigures(
            year=year,
            purposes=[
                PurposeFigures(purpose, str(label), planned.get((year, purpose)), actual.get((year, purpose), ZERO))
                for purpose, label in TransferPurpose.choices
            ],
        )
        for year in shown
    ]


# We Pulse financing per authority and domain ---------------------------------------------------------------------


@dataclass(frozen=True)
class Financing:
    """Planned (cost and its three shares) and actual (regional share transferred, loan drawn)."""

    cost: Decimal = ZERO
    regional: Decimal = ZERO
    loan: Decimal = ZERO
    own: Decimal = ZERO
    actual_regional: Decimal = ZERO
    actual_loan: Decimal = ZERO

    def __add__(self, other: "Financing") -> "Financing":
        return Financing(
            cost=self.cost + other.cost,
            regional=self.regional + other.regional,
            loan=self.loan + other.loan,
            own=self.own + other.own,
            actual_regional=self.actual_regional + other.actual_regional,
            actual_loan=self.actual_loan + other.actual_loan,
        )

    @property
    def actual(self) -> Decimal:
        return self.actual_regional + self.actual_loan


def _total(items: Iterable[Financing]) -> Financing:
    return sum(items, Financing())


@dataclass(frozen=True)
class PlanFigures:
    plan: WePulseFinancingPlan
    financing: Financing


@dataclass(frozen=True)
class AuthorityFigures:
    participant: WePulseParticipant
    plans: list[PlanFigures]
    financing: Financing  # its plans, and every regional transfer attributed to it (with or without a domain)

    def plan_for(self, domain: WePulseDomain) -> PlanFigures | None:
        return next((p for p in self.plans if p.plan.domain_id == domain.pk), None)


@dataclass(frozen=True)
class DomainFigures:
    domain: WePulseDomain
    financing: Financing


@dataclass(frozen=True)
class WePulseDashboard:
    programme: WePulseProgramme
    domains: list[WePulseDomain]
    participants: list[WePulseParticipant]
    authorities: list[AuthorityFigures]  # those that joined, plus any other with money attributed
    by_domain: list[DomainFigures]
    total: Financing
    regional_without_authority: Decimal  # investment transfers of the programme that name no authority
    regional_without_domain: Decimal  # ... that name no domain
    steering: Decimal  # transfers for programme steering and management
    other: Decimal  # other transfers of the programme
    charts: dict[str, "Chart"] = field(default_factory=dict)

    @property
    def joined_communes(self) -> int:
        return sum(1 for p in self.participants if p.joined and p.organisation.kind == OrganisationKind.COMMUNE)

    @property
    def joined_cpas(self) -> int:
        return sum(1 for p in self.participants if p.joined and p.organisation.kind == OrganisationKind.CPAS)


def _transfer_sums(programme: WePulseProgramme) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in transfers_in_force()
        .filter(programme=programme)
        .order_by()
        .values("purpose", "participant_id", "domain_id")
        .annotate(total=Sum("amount"))
    ]


def _drawn(plans: list[WePulseFinancingPlan]) -> dict[int, Decimal]:
    loan_ids = [plan.loan_id for plan in plans if plan.loan_id]
    paid = Drawdown.objects.filter(loan_id__in=loan_ids, status=DrawdownStatus.PAID).order_by()
    return {row["loan_id"]: to_cents(row["total"]) for row in paid.values("loan_id").annotate(total=Sum("amount"))}


def _planned(plans: Iterable[PlanFigures], actual_regional: Decimal) -> Financing:
    """The plans' figures summed, with the regional share transferred to their authority or domain (which counts
    transfers attributed without a plan for them too)."""
    return replace(_total(p.financing for p in plans), actual_regional=actual_regional)


def wepulse_dashboard(programme: WePulseProgramme) -> WePulseDashboard:
    """The programme's financing per authority and per domain, planned and actual. Five queries."""
    domains = list(programme.domains.order_by("position", "code"))
    participants = list(programme.participants.select_related("organisation"))
    plans = list(WePulseFinancingPlan.objects.filter(participant__programme=programme).select_related("loan"))
    sums, drawn = _transfer_sums(programme), _drawn(plans)
    by_purpose: dict[str, Decimal] = defaultdict(lambda: ZERO)
    regional: dict[tuple[int | None, int | None], Decimal] = defaultdict(lambda: ZERO)
    by_authority: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    by_domain_regional: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for row in sums:
        total = to_cents(row["total"])  # SQLite sums decimals without their two places
        by_purpose[row["purpose"]] += total
        if row["purpose"] == TransferPurpose.INVESTMENTS:
            regional[(row["participant_id"], row["domain_id"])] += total
            by_authority[row["participant_id"]] += total
            by_domain_regional[row["domain_id"]] += total
    plan_rows = [
        PlanFigures(
            plan,
            Financing(
                cost=plan.cost,
                regional=plan.regional_share,
                loan=plan.loan_amount,
                own=plan.own_funds,
                actual_regional=regional[(plan.participant_id, plan.domain_id)],
                actual_loan=drawn.get(plan.loan_id, ZERO) if plan.loan_id else ZERO,
            ),
        )
        for plan in plans
    ]
    order = {domain.pk: index for index, domain in enumerate(domains)}
    plan_rows.sort(key=lambda p: order.get(p.plan.domain_id, len(order)))
    authorities = []
    for participant in participants:
        own = [p for p in plan_rows if p.plan.participant_id == participant.pk]
        figures = AuthorityFigures(participant, own, _planned(own, by_authority[participant.pk]))
        if participant.joined or figures.financing != Financing():
            authorities.append(figures)
    by_domain = [
        DomainFigures(
            domain, _planned([p for p in plan_rows if p.plan.domain_id == domain.pk], by_domain_regional[domain.pk])
        )
        for domain in domains
    ]
    dashboard = WePulseDashboard(
        programme=programme,
        domains=domains,
        participants=participants,
        authorities=authorities,
        by_domain=by_domain,
        total=_planned(plan_rows, by_purpose[TransferPurpose.INVESTMENTS]),
        regional_without_authority=by_authority[None],
        regional_without_domain=by_domain_regional[None],
        steering=by_purpose[TransferPurpose.STEERING],
        other=by_purpose[TransferPurpose.OTHER],
    )
    dashboard.charts.update(
        domains=financing_chart([(d.domain.name, d.financing) for d in by_domain]),
        authorities=financing_chart([(a.participant.organisation.name, a.financing) for a in authorities]),
    )
    return dashboard


# The chart: server-rendered inline SVG, two stacked bars per row (planned, actual) -------------------------------

CHART_WIDTH = 640  # the staff stylesheet shows charts at most 640 wide: no scaling, readable labels
CHART_LABEL_WIDTH = 220
CHART_BAR_SPACE = CHART_WIDTH - CHART_LABEL_WIDTH - 10
CHART_BAR = 14
CHART_ROW = 2 * CHART_BAR + 14
CHART_LABEL_CHARS = 32
LEGEND_LINE = 20
LEGEND_ITEM = 210
# Colours readable on white, each planned share lighter than the actual of the same source.
COLOURS = {
    "regional": "#8fb0de",
    "loan": "#e8a3ad",
    "own": "#c4c4c4",
    "actual_regional": "#1d4f91",
    "actual_loan": "#c8102e",
}


def series_labels() -> dict[str, str]:
    return {
        "regional": _("Planned regional share"),
        "loan": _("Planned FRBRTC loan"),
        "own": _("Planned own funds"),
        "actual_regional": _("Regional share transferred"),
        "actual_loan": _("Loan drawn"),
    }


@dataclass(frozen=True)
class Segment:
    x: int
    width: int
    colour: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class LegendItem:
    x: int
    y: int
    colour: str
    label: str


@dataclass(frozen=True)
class ChartRow:
    name: str
    label: str  # the name, shortened to fit on the left of the bars
    y: int
    planned: list[Segment]
    actual: list[Segment]
    financing: Financing


@dataclass(frozen=True)
class Chart:
    rows: list[ChartRow]
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH
    bar: int = CHART_BAR

    @property
    def bars_height(self) -> int:
        return max(len(self.rows), 1) * CHART_ROW

    @property
    def height(self) -> int:
        return self.bars_height + 2 * LEGEND_LINE + 8

    @property
    def legend(self) -> list[LegendItem]:
        """Under the bars: the planned shares on one line, the actuals on the next."""
        labels, items = series_labels(), []
        for line, keys in enumerate((["regional", "loan", "own"], ["actual_regional", "actual_loan"])):
            y = self.bars_height + 8 + line * LEGEND_LINE
            items += [LegendItem(i * LEGEND_ITEM, y, COLOURS[key], labels[key]) for i, key in enumerate(keys)]
        return items


def _segments(financing: Financing, keys: list[str], scale: Decimal, labels: dict[str, str]) -> list[Segment]:
    x, segments = CHART_LABEL_WIDTH, []
    for key in keys:
        amount = getattr(financing, key)
        width = int(CHART_BAR_SPACE * amount / scale) if scale else 0
        if amount and not width:
            width = 1  # a small amount stays visible
        segments.append(Segment(x, width, COLOURS[key], labels[key], amount))
        x += width
    return segments


def financing_chart(rows: list[tuple[str, Financing]]) -> Chart:
    """Per row, the planned cost split into its shares and, below, what was transferred and drawn; all bars on the
    scale of the largest one."""
    scale = max((max(f.cost, f.actual, f.regional + f.loan + f.own) for _label, f in rows), default=ZERO)
    labels, chart_rows = series_labels(), []
    for index, (label, financing) in enumerate(rows):
        short = label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…"
        chart_rows.append(
            ChartRow(
                name=label,
                label=short,
                y=index * CHART_ROW,
                planned=_segments(financing, ["regional", "loan", "own"], scale, labels),
                actual=_segments(financing, ["actual_regional", "actual_loan"], scale, labels),
                financing=financing,
            )
        )
    return Chart(chart_rows)
