"""The sheets of the reconciliation workbook that read the money chain: budget, beneficiaries, payments, loans.

Each sheet says its title and columns (in the active language), counts its rows, then yields them. Queries read
values() and stream with iterator(); the sheets grouped by month or organisation merge a few grouped queries in
memory, bounded by the number of budget lines x 12 or of organisations, never by the number of payments.

Dates: committed by the commitment's date, liquidated (made due) by the payable's, paid by the bank's payment date
recorded on the payable, on bank statements by the booking date of the matched statement line.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import Organisation
from core.money import MoneyField
from finance.models import (
    BudgetLine,
    Commitment,
    LineMatch,
    OrderStatus,
    Payable,
    PayableStatus,
    PaymentOrder,
    Receivable,
)
from finance.workbook import DATE, MONEY, Column
from loans.models import EntryKind, Installment, LedgerEntry, Loan

ZERO = Decimal("0.00")
CHUNK = 2000


class Sheet:
    """One sheet of the workbook: its title and columns, how many rows it will have, and the rows."""

    def title(self) -> str:
        raise NotImplementedError

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def rows(self) -> Iterator[list[Any]]:
        raise NotImplementedError


def _nl() -> bool:
    return (translation.get_language() or "").startswith("nl")


def _name(row: Mapping[str, Any], prefix: str = "") -> str:
    """The Dutch or French name of a values() row (French also for English readers)."""
    fr, nl = row.get(f"{prefix}name_fr") or "", row.get(f"{prefix}name_nl") or ""
    return nl if _nl() and nl else fr


def _money(subquery: QuerySet) -> Coalesce:
    return Coalesce(Subquery(subquery, output_field=MoneyField()), Value(ZERO), output_field=MoneyField())


def _sum_per(queryset: QuerySet, key: str, expression: Any = "amount") -> QuerySet:
    """A correlated sum of `expression` over `queryset` for the row whose pk is `key` (no GROUP BY of the default
    ordering)."""
    return (
        queryset.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(total=Sum(expression, output_field=MoneyField()))
        .values("total")
    )


def live_matches() -> QuerySet[LineMatch]:
    """Matches in force (an undone match stays, with its undone date, and no longer counts)."""
    return LineMatch.objects.filter(undone_at__isnull=True)


# Budget: per budget line and month --------------------------------------------------------------------------------


class BudgetSheet(Sheet):
    def __init__(self, year: int) -> None:
        self.year = year
        self.figures: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))

    def title(self) -> str:
        return _("Budget")

    def columns(self) -> list[Column]:
        return [
            Column(_("Budget line")),
            Column(_("Label")),
            Column(_("Month")),
            Column(_("Committed"), MONEY),
            Column(_("Liquidated (made due)"), MONEY),
            Column(_("Paid"), MONEY),
            Column(_("On bank statements"), MONEY),
            Column(_("Paid, not on a statement"), MONEY),
        ]

    def _add(self, name: str, queryset: QuerySet, line: str, month: Any) -> None:
        grouped = queryset.order_by().annotate(month=month).values(line, "month").annotate(total=Sum("amount"))
        for row in grouped.iterator(chunk_size=CHUNK):
            self.figures[(row[line], row["month"])][name] += row["total"] or ZERO

    def count(self) -> int:
        year = self.year
        self._add(
            "committed",
            Commitment.objects.filter(created_at__year=year),
            "envelope__budget_line_id",
            ExtractMonth("created_at"),
        )
        self._add(
            "liquidated",
            Payable.objects.filter(due_since__year=year).exclude(status=PayableStatus.CANCELLED),
            "commitment__envelope__budget_line_id",
            ExtractMonth("due_since"),
        )
        self._add(
            "paid",
            Payable.objects.filter(status=PayableStatus.PAID, paid_on__year=year),
            "commitment__envelope__budget_line_id",
            ExtractMonth("paid_on"),
        )
        self._add(
            "bank",
            live_matches().filter(payment_order__isnull=False, line__booking_date__year=year),
            "payment_order__budget_line_id",
            ExtractMonth("line__booking_date"),
        )
        return len(self.figures)

    def rows(self) -> Iterator[list[Any]]:
        ids = {line_id for line_id, _month in self.figures}
        lines = {
            row["id"]: row
            for row in BudgetLine.objects.filter(pk__in=ids).values("id", "code", "label_fr", "label_nl").iterator()
        }
        for line_id, month in sorted(self.figures, key=lambda key: (lines[key[0]]["code"], key[1])):
            line, figures = lines[line_id], self.figures[(line_id, month)]
            yield [
                line["code"],
                line["label_nl"] if _nl() and line["label_nl"] else line["label_fr"],
                f"{month:02d}/{self.year}",
                figures["committed"],
                figures["liquidated"],
                figures["paid"],
                figures["bank"],
                figures["paid"] - figures["bank"],
            ]


# Beneficiaries: per organisation --------------------------------------------------------------------------------


class BeneficiariesSheet(Sheet):
    FIGURES = ("committed", "due", "paid", "bank", "to_recover", "recovered")

    def __init__(self, year: int) -> None:
        self.year = year
        self.figures: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))

    def title(self) -> str:
        return _("Beneficiaries")

    def columns(self) -> list[Column]:
        return [
            Column(_("Beneficiary")),
            Column(_("Enterprise number")),
            Column(_("Committed"), MONEY),
            Column(_("Made due"), MONEY),
            Column(_("Paid"), MONEY),
            Column(_("On bank statements"), MONEY),
            Column(_("To recover"), MONEY),
            Column(_("Recovered"), MONEY),
        ]

    def _add(self, name: str, queryset: QuerySet, key: str) -> None:
        for row in queryset.order_by().values(key).annotate(total=Sum("amount")).iterator(chunk_size=CHUNK):
            self.figures[row[key]][name] += row["total"] or ZERO

    def count(self) -> int:
        year, matches = self.year, live_matches().filter(line__booking_date__year=self.year)
        self._add("committed", Commitment.objects.filter(created_at__year=year), "beneficiary_id")
        self._add(
            "due",
            Payable.objects.filter(due_since__year=year).exclude(status=PayableStatus.CANCELLED),
            "beneficiary_id",
        )
        self._add("paid", Payable.objects.filter(status=PayableStatus.PAID, paid_on__year=year), "beneficiary_id")
        self._add("bank", matches.filter(payment_order__isnull=False), "payment_order__beneficiary_id")
        self._add("to_recover", Receivable.objects.filter(created_at__year=year), "debtor_id")
        self._add("recovered", matches.filter(receivable__isnull=False), "receivable__debtor_id")
        return len(self.figures)

    def rows(self) -> Iterator[list[Any]]:
        organisations = Organisation.objects.filter(pk__in=list(self.figures)).values(
            "id", "name_fr", "name_nl", "kbo_number"
        )
        for row in sorted(organisations.iterator(chunk_size=CHUNK), key=lambda row: _name(row).casefold()):
            figures = self.figures[row["id"]]
            yield [_name(row), row["kbo_number"] or None, *(figures[name] for name in self.FIGURES)]


# Payments: one line per payment request -------------------------------------------------------------------------


class PaymentsSheet(Sheet):
    def __init__(self, year: int) -> None:
        self.year = year

    def title(self) -> str:
        return _("Payments")

    def columns(self) -> list[Column]:
        return [
            Column(_("Reference")),
            Column(_("Label")),
            Column(_("Beneficiary")),
            Column(_("Budget line")),
            Column(_("Commitment")),
            Column(_("Status")),
            Column(_("Made due on"), DATE),
            Column(_("Bank payment date"), DATE),
            Column(_("End-to-end id")),
            Column(_("Payment order")),
            Column(_("Amount"), MONEY),
            Column(_("On bank statements"), MONEY),
            Column(_("Booked by the bank on"), DATE),
            Column(_("Amount not on a statement"), MONEY),
            Column(_("Reconciled")),
        ]

    def queryset(self) -> QuerySet:
        year = self.year
        live_order = PaymentOrder.objects.filter(payable=OuterRef("pk")).exclude(
            status__in=[OrderStatus.REJECTED, OrderStatus.CANCELLED]
        )
        matched = live_matches().filter(payment_order__payable=OuterRef("pk")).order_by()
        return (
            Payable.objects.filter(Q(due_since__year=year) | Q(paid_on__year=year, status=PayableStatus.PAID))
            .exclude(status=PayableStatus.CANCELLED)
            .annotate(
                order_e2e=Subquery(live_order.values("end_to_end_id")[:1]),
                order_status=Subquery(live_order.values("status")[:1]),
                bank=_money(_sum_per(LineMatch.objects.filter(undone_at__isnull=True), "payment_order__payable")),
                bank_date=Subquery(
                    matched.values("payment_order__payable").annotate(day=Max("line__booking_date")).values("day")
                ),
            )
            .order_by("due_since", "pk")
        )

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[list[Any]]:
        statuses = {value: str(label) for value, label in PayableStatus.choices}
        orders = {value: str(label) for value, label in OrderStatus.choices}
        yes, no = _("Yes"), _("No")
        values = self.queryset().values(
            "reference",
            "label",
            "beneficiary__name_fr",
            "beneficiary__name_nl",
            "commitment__envelope__budget_line__code",
            "commitment__reference",
            "status",
            "due_since",
            "paid_on",
            "order_e2e",
            "order_status",
            "amount",
            "bank",
            "bank_date",
        )
        for row in values.iterator(chunk_size=CHUNK):
            yield [
                row["reference"],
                row["label"],
                _name(row, "beneficiary__"),
                row["commitment__envelope__budget_line__code"],
                row["commitment__reference"],
                statuses.get(row["status"], row["status"]),
                timezone.localtime(row["due_since"]).date(),
                row["paid_on"],
                row["order_e2e"],
                orders.get(row["order_status"]) if row["order_status"] else None,
                row["amount"],
                row["bank"],
                row["bank_date"],
                row["amount"] - row["bank"],
                yes if row["status"] == PayableStatus.PAID and row["bank"] == row["amount"] else no,
            ]


# Loan portfolio: per loan ---------------------------------------------------------------------------------------


def as_of_date(year: int, today: dt.date | None = None) -> dt.date:
    """The day the balances are read at: the last day of the year, or today while the year runs."""
    today = today or timezone.localdate()
    return min(dt.date(year, 12, 31), today)


def loans_at(year: int, as_of: dt.date) -> QuerySet:
    """Each loan's figures at `as_of` and over `year`, as loans.portfolio counts them but dated: outstanding is the
    ledger's principal up to that day; arrears what instalments due by then still owed then (their amount, less
    what repayments and write-offs booked by then took off, plus late interest booked by then)."""
    entries = LedgerEntry.objects.filter(value_date__lte=as_of)
    live = Installment.objects.filter(cancelled=False)
    settled = entries.filter(installment__due_date__lte=as_of, installment__cancelled=False).exclude(
        kind=EntryKind.INTEREST_DUE
    )
    received = LedgerEntry.objects.filter(repayment__isnull=False, value_date__year=year)
    everything = "principal", "interest", "late_interest"

    def total(*names: str) -> Any:
        expression: Any = F(names[0])
        for name in names[1:]:
            expression = expression + F(name)
        return expression

    return Loan.objects.annotate(
        drawn_at=_money(_sum_per(entries.filter(kind=EntryKind.DRAWDOWN), "loan", "principal")),
        outstanding_at=_money(_sum_per(entries, "loan", "principal")),
        fell_due=_money(_sum_per(live.filter(due_date__year=year), "loan", total("principal", "interest"))),
        received=_money(_sum_per(received, "loan", total(*everything))),
        bank=_money(_sum_per(live_matches().filter(line__booking_date__year=year), "loan")),
        arrears_at=_money(_sum_per(live.filter(due_date__lte=as_of), "loan", total("principal", "interest")))
        + _money(_sum_per(settled, "loan", total(*everything))),
    )


class LoansSheet(Sheet):
    def __init__(self, year: int, today: dt.date | None = None) -> None:
        self.year, self.as_of = year, as_of_date(year, today)

    def title(self) -> str:
        return _("Loan portfolio")

    def columns(self) -> list[Column]:
        at = self.as_of.strftime("%d/%m/%Y")
        return [
            Column(_("Reference")),
            Column(_("Borrower")),
            Column(_("Loan product")),
            Column(_("Status")),
            Column(_("Amount granted"), MONEY),
            Column(_("Drawn at %(date)s") % {"date": at}, MONEY),
            Column(_("Outstanding at %(date)s") % {"date": at}, MONEY),
            Column(_("Fell due in %(year)s") % {"year": self.year}, MONEY),
            Column(_("Received in %(year)s") % {"year": self.year}, MONEY),
            Column(_("On bank statements"), MONEY),
            Column(_("Arrears at %(date)s") % {"date": at}, MONEY),
        ]

    def queryset(self) -> QuerySet:
        # Loans running at some point of the year: activated by its end.
        return loans_at(self.year, self.as_of).filter(activated_at__date__lte=dt.date(self.year, 12, 31))

    def count(self) -> int:
        return self.queryset().count()

    def rows(self) -> Iterator[list[Any]]:
        statuses = {value: str(label) for value, label in Loan._meta.get_field("status").choices or []}
        values = (
            self.queryset()
            .order_by("product_version__product__code", "reference")
            .values(
                "reference",
                "borrower__name_fr",
                "borrower__name_nl",
                "product_version__product__code",
                "status",
                "approved_amount",
                "drawn_at",
                "outstanding_at",
                "fell_due",
                "received",
                "bank",
                "arrears_at",
            )
        )
        for row in values.iterator(chunk_size=CHUNK):
            yield [
                row["reference"],
                _name(row, "borrower__"),
                row["product_version__product__code"],
                statuses.get(row["status"], row["status"]),
                row["approved_amount"],
                row["drawn_at"],
                row["outstanding_at"],
                row["fell_due"],
                -row["received"],  # the ledger books money received as negative effects
                row["bank"],
                row["arrears_at"],
            ]
