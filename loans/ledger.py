"""Reading the ledger: balances, and what each instalment still owes. Everything is a sum of entries.

An instalment owes, once it has fallen due (its interest_due entry is booked): its principal, plus the sums of the
principal, interest and late-interest effects of the entries that name it (payments and write-offs are negative).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from core.money import to_cents
from loans.models import EntryKind, Installment, LedgerEntry, Loan

ZERO = Decimal("0.00")
# Late interest counts actual days over a year of 365 whatever the loan's own day count [to confirm per convention].
LATE_INTEREST_DAYS_PER_YEAR = Decimal("365")


@dataclass(frozen=True)
class Balances:
    principal: Decimal  # outstanding principal
    interest: Decimal  # interest fallen due and unpaid
    late_interest: Decimal  # late interest charged and unpaid

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.late_interest


def balances(loan: Loan, *, on: dt.date | None = None) -> Balances:
    entries = loan.entries.all()
    if on is not None:
        entries = entries.filter(value_date__lte=on)
    sums = entries.aggregate(p=Sum("principal"), i=Sum("interest"), late=Sum("late_interest"))
    return Balances(principal=sums["p"] or ZERO, interest=sums["i"] or ZERO, late_interest=sums["late"] or ZERO)


@dataclass(frozen=True)
class Owed:
    installment: Installment
    principal: Decimal
    interest: Decimal
    late_interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.late_interest


def owed_by_installment(loan: Loan) -> list[Owed]:
    """What every instalment that has fallen due still owes, oldest first (zero rows included), in one query."""
    rows = (
        Installment.objects.filter(loan=loan)
        .annotate(
            fell_due=Count("entries", filter=Q(entries__kind=EntryKind.INTEREST_DUE)),
            paid_principal=Sum("entries__principal", filter=~Q(entries__kind=EntryKind.INTEREST_DUE)),
            open_interest=Sum("entries__interest"),
            open_late=Sum("entries__late_interest"),
        )
        .filter(fell_due__gt=0)
        .order_by("n")
    )
    return [
        Owed(
            installment=row,
            principal=row.principal + (row.paid_principal or ZERO),
            interest=row.open_interest or ZERO,
            late_interest=row.open_late or ZERO,
        )
        for row in rows
    ]


def late_interest_since(owed: Owed, rate: Decimal, since: dt.date, until: dt.date) -> Decimal:
    """Late interest on what an instalment owes (principal and interest) for the days after `since` up to `until`
    included: the unpaid amount x the yearly rate x days / 365, rounded to the cent."""
    days = (until - since).days
    if days <= 0 or rate <= 0:
        return ZERO
    unpaid = owed.principal + owed.interest
    return to_cents(unpaid * rate * days / LATE_INTEREST_DAYS_PER_YEAR) if unpaid > 0 else ZERO


def late_interest_counted_to(installment: Installment) -> dt.date:
    """The last day late interest was counted for: the due date, or the end of the last late-interest entry."""
    last = (
        LedgerEntry.objects.filter(installment=installment, kind=EntryKind.LATE_INTEREST)
        .exclude(accrued_to=None)
        .order_by("-accrued_to")
        .values_list("accrued_to", flat=True)
        .first()
    )
    return max(last, installment.due_date) if last else installment.due_date
