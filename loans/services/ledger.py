"""Writing the ledger: every money event of a loan as append-only entries, each with its idempotency key.

Callers hold the loan's row lock (Loan -> Drawdown / Installment is the lock order), so the sums they read before
booking cannot move under them."""

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from loans.ledger import ZERO, late_interest_counted_to, late_interest_since, owed_by_installment
from loans.models import EntryKind, Installment, LedgerEntry, Loan


def entry_book(
    *, loan: Loan, kind: str, event: str, key: str, value_date: dt.date, actor=None, **effects
) -> LedgerEntry:
    """Book one entry, or return the one booked under `key` already (a retried task or a double click)."""
    existing = LedgerEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    return LedgerEntry.objects.create(
        loan=loan, kind=kind, event=event, idempotency_key=key, value_date=value_date, created_by=actor, **effects
    )


def installments_fall_due(loan: Loan, *, up_to: dt.date) -> int:
    """Book the interest of every instalment due on or before `up_to` (once each): from then on it is owed."""
    booked = 0
    due = loan.installments.filter(cancelled=False, due_date__lte=up_to).exclude(entries__kind=EntryKind.INTEREST_DUE)
    for installment in due.order_by("n"):
        entry_book(
            loan=loan,
            kind=EntryKind.INTEREST_DUE,
            event=f"due:{installment.pk}",
            key=f"interest-due:{installment.pk}",
            value_date=installment.due_date,
            installment=installment,
            interest=installment.interest,
        )
        booked += 1
    return booked


def installment_fall_due_early(installment: Installment) -> None:
    """A payment that names an instalment before its due date settles it: its interest is booked as due now."""
    entry_book(
        loan=installment.loan,
        kind=EntryKind.INTEREST_DUE,
        event=f"due:{installment.pk}",
        key=f"interest-due:{installment.pk}",
        value_date=installment.due_date,
        installment=installment,
        interest=installment.interest,
    )


def late_interest_book(loan: Loan, *, up_to: dt.date, event: str, actor=None) -> Decimal:
    """Charge late interest on every overdue instalment for the days since it was last counted, up to `up_to`."""
    rate = loan.late_interest_rate
    total = ZERO
    for owed in owed_by_installment(loan):
        installment = owed.installment
        since = late_interest_counted_to(installment)
        amount = late_interest_since(owed, rate, since, up_to)
        if since >= up_to or owed.principal + owed.interest <= 0:
            continue
        entry_book(
            loan=loan,
            kind=EntryKind.LATE_INTEREST,
            event=event,
            key=f"late:{installment.pk}:{up_to.isoformat()}",
            value_date=up_to,
            installment=installment,
            late_interest=amount,
            accrued_to=up_to,
            actor=actor,
        )
        total += amount
    return total


def last_counted_date(loan: Loan) -> dt.date | None:
    """The latest day late interest was counted to, or a payment valued: events must not go back before it."""
    return (
        loan.entries.filter(kind__in=[EntryKind.LATE_INTEREST, EntryKind.REPAYMENT, EntryKind.PREPAYMENT])
        .order_by("-value_date")
        .values_list("value_date", flat=True)
        .first()
    )


def principal_drawn(loan: Loan) -> Decimal:
    return loan.entries.filter(kind=EntryKind.DRAWDOWN).aggregate(total=Sum("principal"))["total"] or ZERO
