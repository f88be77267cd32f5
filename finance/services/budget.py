"""The budget per line and year: the credits voted (commitment and payment appropriations) and what was committed,
made due (liquidated) and paid against them.

Commitments are NOT refused above the year's commitment credit: grants and loans commit against their envelope (the
envelope's row is the lock), and credits are often entered after the first commitments of a year. An overrun is shown
on the dashboard instead (docs/decisions.md). Setting a credit below what is already committed (or paid) that year is
refused.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_eur, to_cents
from core.roles import is_staff_member
from core.services.audit import audit_record
from finance.models import BudgetCredit, BudgetLine, Commitment, Payable, PayableStatus

ZERO = Decimal("0.00")
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONEY = DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)


@dataclass(frozen=True)
class LineFigures:
    budget_line: BudgetLine
    year: int
    has_credit: bool
    commitment_credit: Decimal
    payment_credit: Decimal
    committed: Decimal
    liquidated: Decimal
    paid: Decimal

    @property
    def commitment_available(self) -> Decimal:
        return self.commitment_credit - self.committed

    @property
    def payment_available(self) -> Decimal:
        return self.payment_credit - self.paid

    @property
    def commitment_overrun(self) -> bool:
        return self.committed > self.commitment_credit

    @property
    def payment_overrun(self) -> bool:
        return self.paid > self.payment_credit

    @property
    def is_empty(self) -> bool:
        return not (self.has_credit or self.committed or self.liquidated or self.paid)


def _total(queryset: QuerySet, line_path: str) -> Coalesce:
    """The sum of `amount` of the rows of `queryset` on the outer budget line, 0 when there are none."""
    summed = (
        queryset.filter(**{line_path: OuterRef("pk")})
        .order_by()
        .values(line_path)
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(summed, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def committed_in(year: int) -> QuerySet[Commitment]:
    return Commitment.objects.filter(created_at__year=year)  # the Brussels year (TIME_ZONE)


def liquidated_in(year: int) -> QuerySet[Payable]:
    return Payable.objects.filter(due_since__year=year).exclude(status=PayableStatus.CANCELLED)


def paid_in(year: int) -> QuerySet[Payable]:
    return Payable.objects.filter(status=PayableStatus.PAID, paid_on__year=year)


def budget_figures(year: int) -> list[LineFigures]:
    """Every budget line with a credit or a movement in `year`, in one query whatever their number."""
    credits = BudgetCredit.objects.filter(budget_line=OuterRef("pk"), year=year)
    lines = BudgetLine.objects.annotate(
        credit_id=Subquery(credits.values("pk")[:1]),
        commitment_credit=Coalesce(Subquery(credits.values("commitment_credit")[:1]), Value(ZERO), output_field=_MONEY),
        payment_credit=Coalesce(Subquery(credits.values("payment_credit")[:1]), Value(ZERO), output_field=_MONEY),
        committed=_total(committed_in(year), "envelope__budget_line"),
        liquidated=_total(liquidated_in(year), "commitment__envelope__budget_line"),
        paid=_total(paid_in(year), "commitment__envelope__budget_line"),
    ).order_by("code")
    figures = [
        LineFigures(
            budget_line=line,
            year=year,
            has_credit=line.credit_id is not None,  # type: ignore[attr-defined]
            commitment_credit=line.commitment_credit,  # type: ignore[attr-defined]
            payment_credit=line.payment_credit,  # type: ignore[attr-defined]
            committed=line.committed,  # type: ignore[attr-defined]
            liquidated=line.liquidated,  # type: ignore[attr-defined]
            paid=line.paid,  # type: ignore[attr-defined]
        )
        for line in lines
    ]
    return [figure for figure in figures if not figure.is_empty]


def _amount(raw: Decimal | str | int | None, field: str, errors: dict[str, list[str]]) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if "," in text:  # written the Belgian way: 1.234.567,89
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # 1.234.567: dots before groups of three separate thousands
        text = text.replace(".", "")
    try:
        value = to_cents(text)
    except (ValueError, TypeError, InvalidOperation):
        errors[field] = [_("Enter an amount, e.g. 1.234.567,89.")]
        return ZERO
    if value < 0:
        errors[field] = [_("A credit is not negative.")]
    return value


@transaction.atomic
def credit_set(
    *, actor, budget_line_id: int, year: int, commitment_credit: Decimal | str, payment_credit: Decimal | str
) -> BudgetCredit:
    """Set the credits of a budget line for a year, never below what that year already committed or paid."""
    if not (is_staff_member(actor) and actor.has_perm("finance.add_budgetcredit")):
        raise NotPermitted(_("Only finance approvers set the budget's credits."))
    errors: dict[str, list[str]] = {}
    commitment = _amount(commitment_credit, "commitment_credit", errors)
    payment = _amount(payment_credit, "payment_credit", errors)
    if not (isinstance(year, int) and FIRST_YEAR <= year <= LAST_YEAR):
        errors["year"] = [_("Give a budget year between 2000 and 2100.")]
    # The line's row: two people setting the same line's credits act one after the other.
    line = BudgetLine.objects.select_for_update().filter(pk=budget_line_id).first()
    if line is None:
        errors["budget_line"] = [_("Choose a budget line.")]
    if errors:
        raise InvalidInput(_("The credits are not valid: nothing was saved."), extra={"fields": errors})
    assert line is not None
    committed = committed_in(year).filter(envelope__budget_line=line).aggregate(t=Sum("amount"))["t"] or ZERO
    paid = paid_in(year).filter(commitment__envelope__budget_line=line).aggregate(t=Sum("amount"))["t"] or ZERO
    if commitment < committed:
        errors["commitment_credit"] = [
            _("%(year)s already committed %(committed)s on this line: the commitment credit cannot be lower.")
            % {"year": year, "committed": format_eur(committed)}
        ]
    if payment < paid:
        errors["payment_credit"] = [
            _("%(year)s already paid %(paid)s on this line: the payment credit cannot be lower.")
            % {"year": year, "paid": format_eur(paid)}
        ]
    if errors:
        raise InvalidInput(_("The credits are not valid: nothing was saved."), extra={"fields": errors})
    credit = BudgetCredit.objects.filter(budget_line=line, year=year).first()
    before = (credit.commitment_credit, credit.payment_credit) if credit else (None, None)
    if credit is None:
        credit = BudgetCredit(budget_line=line, year=year)
    elif not actor.has_perm("finance.change_budgetcredit"):
        raise NotPermitted(_("Only finance approvers change the budget's credits."))
    credit.commitment_credit, credit.payment_credit = commitment, payment
    credit.save()
    audit_record(
        obj=credit,
        actor=actor,
        action="credits_set",
        changes={"commitment_credit": [before[0], commitment], "payment_credit": [before[1], payment]},
    )
    return credit
