"""Reads of the loan portfolio: per loan, per borrower and per product, what was granted and drawn, what is
outstanding, what falls due in the next 12 months and what is in arrears; and the borrowing capacity table of a
programme.

Every figure is a sum computed by the database (correlated subqueries on the ledger and the instalments), so a page
or an export costs the same number of queries whatever the number of loans.

Words, as the pages print them:
- outstanding: the principal still owed (the sum of the principal effects of the ledger);
- due in the next 12 months: instalments not cancelled due after today up to the same day next year, principal
  plus interest as scheduled;
- arrears: what instalments due on or before today still owe (principal, interest and late interest booked), i.e.
  their amount minus what repayments and write-offs took off them. An instalment due today counts as due, as the
  daily task books it as due that morning.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Organisation
from core.money import MoneyField, to_cents
from loans.models import (
    DecisionOutcome,
    EntryKind,
    Installment,
    LedgerEntry,
    Loan,
    LoanDecision,
    LoanProduct,
    ProductStatus,
    ShareTable,
)
from loans.services.capacity import Capacity, current_share_table

ZERO = Decimal("0.00")


class Figures(TypedDict):
    drawn: Decimal
    outstanding: Decimal
    due_next_12_months: Decimal
    arrears: Decimal


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    FiguredLoan = WithAnnotations[Loan, Figures]  # a Loan with the four figures of with_figures()
else:
    FiguredLoan = Loan
HUNDRED = Decimal("100")


def twelve_months_after(day: dt.date) -> dt.date:
    """The same day next year; 29 February gives 28 February."""
    last = calendar.monthrange(day.year + 1, day.month)[1]
    return day.replace(year=day.year + 1, day=min(day.day, last))


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=MoneyField())


def _per_loan(queryset: QuerySet, expression) -> Coalesce:
    """One loan's sum as a correlated subquery. Joining the ledger and the instalments in one query would multiply
    each by the other's rows; the empty order_by() keeps the models' default ordering out of the GROUP BY."""
    total = (
        queryset.filter(loan=OuterRef("pk"))
        .order_by()
        .values("loan")
        .annotate(total=Sum(expression, output_field=MoneyField()))
        .values("total")
    )
    return _money(Subquery(total, output_field=MoneyField()))


def with_figures(loans: QuerySet[Loan], *, today: dt.date | None = None) -> QuerySet[FiguredLoan]:
    """`loans` annotated with drawn, outstanding, due_next_12_months, arrears (see the module docstring)."""
    today = today or timezone.localdate()
    live = Installment.objects.filter(cancelled=False)
    due = live.filter(due_date__lte=today)
    # What repayments and write-offs took off due instalments (the interest_due entry is the instalment's own
    # interest, already counted in its amount).
    settled = LedgerEntry.objects.filter(installment__due_date__lte=today, installment__cancelled=False).exclude(
        kind=EntryKind.INTEREST_DUE
    )
    return loans.annotate(
        drawn=_per_loan(LedgerEntry.objects.filter(kind=EntryKind.DRAWDOWN), F("principal")),
        outstanding=_per_loan(LedgerEntry.objects.all(), F("principal")),
        due_next_12_months=_per_loan(
            live.filter(due_date__gt=today, due_date__lte=twelve_months_after(today)), F("principal") + F("interest")
        ),
        arrears=_per_loan(due, F("principal") + F("interest"))
        + _per_loan(settled, F("principal") + F("interest") + F("late_interest")),
    )


def portfolio_loans(*, today: dt.date | None = None) -> list[FiguredLoan]:
    """Every loan with its figures, its borrower and its product, in one query."""
    loans = Loan.objects.select_related("borrower", "product_version__product").order_by(
        "product_version__product__code", "reference"
    )
    return list(with_figures(loans, today=today))


@dataclass
class Group:
    """The loans of one borrower or of one product, summed."""

    key: object
    label: str
    loans: int = 0
    granted: Decimal = ZERO
    drawn: Decimal = ZERO
    outstanding: Decimal = ZERO
    due_next_12_months: Decimal = ZERO
    arrears: Decimal = ZERO

    def add(self, loan: FiguredLoan) -> None:
        self.loans += 1
        self.granted += loan.approved_amount
        self.drawn += loan.drawn
        self.outstanding += loan.outstanding
        self.due_next_12_months += loan.due_next_12_months
        self.arrears += loan.arrears


@dataclass
class Portfolio:
    loans: list[FiguredLoan]
    by_borrower: list[Group]
    by_product: list[Group]
    total: Group = field(default_factory=lambda: Group(key=None, label=""))


def _grouped(loans: list[FiguredLoan], key, label) -> list[Group]:
    groups: dict[object, Group] = {}
    for loan in loans:
        group = groups.setdefault(key(loan), Group(key=key(loan), label=label(loan)))
        group.add(loan)
    return sorted(groups.values(), key=lambda group: group.label.casefold())


def portfolio(*, today: dt.date | None = None) -> Portfolio:
    """The portfolio per borrower and per product, grouped in Python from the one query of portfolio_loans."""
    loans = portfolio_loans(today=today)
    result = Portfolio(
        loans=loans,
        by_borrower=_grouped(loans, lambda loan: loan.borrower_id, lambda loan: loan.borrower.name),
        by_product=_grouped(
            loans, lambda loan: loan.product_version.product_id, lambda loan: loan.product_version.product.code
        ),
    )
    for loan in loans:
        result.total.add(loan)
    return result


@dataclass(frozen=True)
class CapacityRow:
    organisation: Organisation
    capacity: Capacity


def capacity_table(product: LoanProduct) -> tuple[ShareTable | None, list[CapacityRow]]:
    """The current share table of a programme with each commune's cap, what it holds and what is left, in three
    queries (capacity_of would ask once per commune)."""
    table = current_share_table(product.pk)
    if table is None:
        return None, []
    version = product.versions.filter(status=ProductStatus.PUBLISHED).first() or product.versions.first()
    envelope = version.envelope if version else ZERO
    held = dict(
        LoanDecision.objects.filter(application__product_version__product=product, outcome=DecisionOutcome.APPROVED)
        .order_by()
        .values("application__organisation_id")
        .annotate(total=Sum("approved_total"))
        .values_list("application__organisation_id", "total")
    )
    rows = table.rows.select_related("organisation").order_by("organisation__name_fr")
    return table, [
        CapacityRow(
            organisation=row.organisation,
            capacity=Capacity(
                share=row.share,
                cap=to_cents(envelope * row.share / HUNDRED),
                held=held.get(row.organisation_id) or ZERO,
            ),
        )
        for row in rows
    ]


def installment_rows(loan: Loan, *, today: dt.date | None = None) -> list[dict]:
    """Every instalment of a loan with what repayments and write-offs took off it, its late interest and what it
    still owes once due: one query."""
    today = today or timezone.localdate()
    not_due_entry = ~Q(entries__kind=EntryKind.INTEREST_DUE)
    installments = (
        loan.installments.annotate(
            settled_principal=_money(Sum("entries__principal", filter=not_due_entry)),
            settled_interest=_money(Sum("entries__interest", filter=not_due_entry)),
            late=_money(Sum("entries__late_interest")),
        )
        .order_by("n")
        .all()
    )
    rows = []
    for installment in installments:
        settled = -(installment.settled_principal + installment.settled_interest)
        is_due = not installment.cancelled and installment.due_date <= today
        owed = installment.amount - settled + installment.late
        rows.append({"installment": installment, "settled": settled, "owed": owed, "is_due": is_due})
    return rows
