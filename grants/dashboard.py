"""A call's dashboard as figures: its envelope and the money committed, due and paid on it, its applications per
status and the top of its ranking. A selector: it reads, in a fixed number of queries, and decides nothing."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from finance.models import Envelope, Payable, PayableStatus
from finance.services.commitments import committed_total
from grants.models import Application, ApplicationStatus, Call, CallStatus, CallVersion
from grants.ranking import RankedApplication, call_ranking
from grants.services.awards import envelope_code

ZERO = Decimal("0.00")
TOP = 5
# The chart's geometry, in SVG user units: one horizontal bar per figure.
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 150
CHART_BAR_SPACE = CHART_WIDTH - CHART_LABEL_WIDTH - 10
CHART_ROW = 34
CHART_BAR = 22


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ChartBar:
    label: str
    amount: Decimal
    y: int
    width: int
    css: str
    x: int = CHART_LABEL_WIDTH
    height: int = CHART_BAR


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class CallDashboard:
    call: Call
    version: CallVersion | None
    envelope: Decimal
    committed: Decimal
    due: Decimal
    paid: Decimal
    available: Decimal
    statuses: list[StatusCount]
    application_count: int
    top: list[RankedApplication]
    ranked_count: int

    @property
    def figures(self) -> list[Figure]:
        return [
            Figure("envelope", str(_("Envelope")), self.envelope),
            Figure("committed", str(_("Committed")), self.committed),
            Figure("due", str(_("Due (not paid yet)")), self.due),
            Figure("paid", str(_("Paid")), self.paid),
            Figure("available", str(_("Available")), self.available),
        ]

    @property
    def chart(self) -> list[ChartBar]:
        """Bars scaled on the largest figure (the envelope, unless something is wrong), at least 1 unit wide when
        the amount is not zero so that a small amount stays visible."""
        figures = self.figures
        scale = max((abs(f.amount) for f in figures), default=ZERO)
        bars = []
        for row, figure in enumerate(figures):
            width = int(CHART_BAR_SPACE * abs(figure.amount) / scale) if scale else 0
            if figure.amount and not width:
                width = 1
            bars.append(ChartBar(figure.label, figure.amount, row * CHART_ROW, width, figure.key))
        return bars

    @property
    def chart_height(self) -> int:
        return len(self.figures) * CHART_ROW

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH


def current_version(call: Call) -> CallVersion | None:
    """The published version, else the newest: what the call says now (its envelope, its grid). Reads
    `call.versions.all()`, so a prefetch of the versions makes it free."""
    versions = sorted(call.versions.all(), key=lambda version: -version.number)
    return next((v for v in versions if v.status == CallStatus.PUBLISHED), versions[0] if versions else None)


def call_dashboard(call: Call, *, top: int = TOP) -> CallDashboard:
    version = current_version(call)
    envelope = Envelope.objects.filter(code=envelope_code(call)).first()
    if envelope is None:
        # Nothing committed yet: the envelope is still only the figure the call publishes.
        amount, committed, due, paid = (version.envelope if version else ZERO), ZERO, ZERO, ZERO
    else:
        amount, committed = envelope.amount, committed_total(envelope)
        payables = Payable.objects.filter(commitment__envelope=envelope).aggregate(
            due=Sum("amount", filter=Q(status=PayableStatus.DUE)),
            paid=Sum("amount", filter=Q(status=PayableStatus.PAID)),
        )
        due, paid = payables["due"] or ZERO, payables["paid"] or ZERO
    counts = dict(
        Application.objects.filter(call_version__call=call)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    statuses = [StatusCount(value, str(label), counts.get(value, 0)) for value, label in ApplicationStatus.choices]
    ranking = call_ranking(call)
    return CallDashboard(
        call=call,
        version=version,
        envelope=amount,
        committed=committed,
        due=due,
        paid=paid,
        available=amount - committed,
        statuses=statuses,
        application_count=sum(counts.values()),
        top=ranking[:top],
        ranked_count=len(ranking),
    )
