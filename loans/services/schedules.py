"""The schedule in force of a loan: recomputed from the ledger at each drawdown, prepayment or write-off, every
version kept; the instalments follow it and keep their structured communication."""

from decimal import Decimal

from django.db.models import Q

from core.ogm import LOAN_INSTALMENT, ogm_make
from loans import schedules
from loans.models import EntryKind, Installment, Loan, ScheduleLine, ScheduleVersion

HUNDRED = Decimal("100")


def terms_of(loan: Loan) -> schedules.Terms:
    assert loan.start_date is not None, "a loan's term starts with its first paid drawdown"
    return schedules.Terms(
        rate=loan.rate * HUNDRED,
        periods=loan.periods,
        frequency=schedules.Frequency(loan.frequency),
        method=schedules.Method(loan.method),
        day_count=schedules.DayCount(loan.day_count),
        start=loan.start_date,
        grace_principal=loan.grace_principal_periods,
        grace_interest=loan.grace_interest_periods,
        due_date_rule=schedules.DueDateRule(loan.due_date_rule),
        prepayment_rule=schedules.PrepaymentRule(loan.prepayment_rule),
    )


def _live(loan: Loan, kind: str):
    """Entries of `kind` that have not been reversed."""
    return loan.entries.filter(kind=kind, reversed_by__isnull=True).order_by("value_date", "id")


def schedule_events(loan: Loan):
    drawdowns = [schedules.Drawdown(amount=e.principal, on=e.value_date) for e in _live(loan, EntryKind.DRAWDOWN)]
    prepayments = [
        schedules.Prepayment(amount=-e.principal, on=e.value_date) for e in _live(loan, EntryKind.PREPAYMENT)
    ]
    # A loan written off whole is the write-off without an instalment; an instalment's write-off settles that
    # instalment only and leaves the schedule as it is.
    write_offs = [
        schedules.WriteOff(amount=None, on=e.value_date)
        for e in _live(loan, EntryKind.WRITE_OFF).filter(installment__isnull=True)
    ]
    return drawdowns, prepayments, write_offs[:1]


def schedule_preview(loan: Loan) -> list[schedules.Line]:
    drawdowns, prepayments, write_offs = schedule_events(loan)
    return schedules.build_schedule(terms_of(loan), drawdowns, prepayments, write_offs)


def schedule_recompute(*, loan: Loan, reason: str, actor=None) -> ScheduleVersion:
    """A new version of the schedule from what the ledger holds; the instalments take its amounts. Instalments that
    fell due keep theirs (an event never reaches back before a due date, the services refuse it)."""
    lines = schedule_preview(loan)
    number = (loan.schedules.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ScheduleVersion.objects.create(loan=loan, number=number, reason=reason, created_by=actor)
    ScheduleLine.objects.bulk_create(
        ScheduleLine(
            schedule=version,
            n=line.n,
            due_date=line.due_date,
            payment=line.payment,
            interest=line.interest,
            principal=line.principal,
            outstanding=line.outstanding,
        )
        for line in lines
    )
    _sync_installments(loan, lines)
    return version


def _sync_installments(loan: Loan, lines: list[schedules.Line]) -> None:
    existing = {i.n: i for i in loan.installments.all()}
    fell_due = set(
        loan.installments.filter(entries__kind=EntryKind.INTEREST_DUE).values_list("n", flat=True).distinct()
    )
    for line in lines:
        installment = existing.get(line.n)
        if installment is None:
            Installment.objects.create(
                loan=loan,
                n=line.n,
                due_date=line.due_date,
                principal=line.principal,
                interest=line.interest,
                structured_communication=ogm_make(LOAN_INSTALMENT, loan.pk, line.n),
            )
        elif line.n not in fell_due:
            installment.due_date, installment.principal, installment.interest = (
                line.due_date,
                line.principal,
                line.interest,
            )
            installment.cancelled = False
            installment.save(update_fields=["due_date", "principal", "interest", "cancelled"])
    kept = {line.n for line in lines}
    loan.installments.filter(~Q(n__in=kept), cancelled=False).exclude(n__in=fell_due).update(cancelled=True)


def current_schedule(loan: Loan) -> ScheduleVersion | None:
    return loan.schedules.order_by("-number").first()
