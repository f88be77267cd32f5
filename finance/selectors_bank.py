"""Reading bank statements, their lines and what a line could be matched to, for the staff pages. Each function
returns a queryset that runs a fixed number of queries however many rows there are."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from core.money import to_cents
from finance.bankfiles import compact_iban
from finance.models import BankStatement, LineMatch, PaymentOrder, Receivable, StatementLine
from finance.services.matching import references_of
from finance.services.settlement import SETTLEABLE
from loans.models import Installment, LoanStatus

CANDIDATES_SHOWN = 20
ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _active_sum(field: str):
    """The sum of the active matches of the row the outer query is on, 0.00 when there is none."""
    matches = (
        LineMatch.objects.filter(**{field: OuterRef("pk")}, undone_at__isnull=True)
        .order_by()
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(matches, output_field=MONEY), Value(ZERO), output_field=MONEY)


def lines_with_matched() -> QuerySet[StatementLine, StatementLine]:
    """Lines with `matched` (the sum of their active matches) and `left` (what remains to match)."""
    return StatementLine.objects.annotate(matched=_active_sum("line")).annotate(
        left=ExpressionWrapper(Abs("amount") - F("matched"), output_field=MONEY)
    )


def open_lines() -> QuerySet[StatementLine, StatementLine]:
    """Lines whose active matches do not cover their amount: nothing matched, or part of it."""
    return lines_with_matched().filter(left__gt=0)  # type: ignore[misc]  # django-stubs misses the annotation


def statements_with_counts() -> QuerySet[BankStatement]:
    waiting = (
        open_lines()
        .filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        BankStatement.objects.select_related("account", "imported_by")
        .defer("content")
        .annotate(line_count=Count("lines"), open_count=Coalesce(Subquery(waiting), Value(0)))
        .order_by("-statement_date", "-id")
    )


def statement_lines(statement: BankStatement) -> list[StatementLine]:
    matches = LineMatch.objects.select_related(
        "payment_order", "loan", "receivable", "repayment", "matched_by", "undone_by"
    ).order_by("id")
    return list(
        lines_with_matched()
        .filter(statement=statement)
        .prefetch_related(Prefetch("matches", queryset=matches))
        .order_by("sequence")
    )


def parse_amount(raw: str | None) -> Decimal | None:
    text = (raw or "").strip().replace(" ", "").replace("EUR", "")
    if "," in text:  # 1.234,56 as the pages write amounts
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = to_cents(text) if text else None
    except (ValueError, InvalidOperation):
        return None
    return abs(amount) if amount is not None else None


def search_open_lines(q: str, amount: Decimal | None) -> QuerySet[StatementLine]:
    lines = open_lines().select_related("statement__account").order_by("-statement__statement_date", "sequence")
    if q:
        digits = re.sub(r"\D", "", q)
        found = (
            Q(communication__icontains=q)
            | Q(counterparty_name__icontains=q)
            | Q(end_to_end_id__icontains=q)
            | Q(bank_reference__icontains=q)
            | Q(counterparty_iban__icontains=compact_iban(q))
        )
        if len(digits) >= 3:
            found |= Q(structured_communication__contains=digits)
        lines = lines.filter(found)
    if amount is not None:
        lines = lines.filter(Q(amount=amount) | Q(amount=-amount))
    return lines


def order_candidates(line: StatementLine, q: str, amount: Decimal | None, left: Decimal) -> list[PaymentOrder]:
    orders = PaymentOrder.objects.filter(status__in=SETTLEABLE).select_related("beneficiary", "payable")
    if q or amount is not None:
        if q:
            orders = orders.filter(
                Q(end_to_end_id__icontains=q)
                | Q(payable__reference__icontains=q)
                | Q(creditor_name__icontains=q)
                | Q(creditor_iban__icontains=compact_iban(q))
                | Q(communication__icontains=q)
            )
        if amount is not None:
            orders = orders.filter(amount=amount)
    else:
        likely = Q(amount=left)
        if line.counterparty_iban:
            likely |= Q(creditor_iban=line.counterparty_iban)
        if line.end_to_end_id:
            likely |= Q(end_to_end_id=line.end_to_end_id)
        orders = orders.filter(likely)
    return list(orders.order_by("-prepared_at", "-id")[:CANDIDATES_SHOWN])


def installment_candidates(line: StatementLine, q: str, amount: Decimal | None) -> list[Installment]:
    installments = (
        Installment.objects.filter(cancelled=False, loan__status=LoanStatus.ACTIVE)
        .select_related("loan__borrower")
        .annotate(total=F("principal") + F("interest"))
    )
    if q or amount is not None:
        if q:
            digits = re.sub(r"\D", "", q)
            found = (
                Q(loan__reference__icontains=q)
                | Q(loan__borrower__name_fr__icontains=q)
                | Q(loan__borrower__name_nl__icontains=q)
            )
            if len(digits) >= 3:
                found |= Q(structured_communication__contains=digits)
            installments = installments.filter(found)
        if amount is not None:
            installments = installments.filter(total=amount)
    else:
        soon = timezone.localdate() + dt.timedelta(days=90)
        likely = Q(structured_communication__in=references_of(line))
        if line.counterparty_iban:
            likely |= Q(loan__borrower__bank_accounts__iban=line.counterparty_iban, due_date__lte=soon)
        installments = installments.filter(likely).distinct()
    return list(installments.order_by("loan__reference", "n")[:CANDIDATES_SHOWN])


def receivable_candidates(line: StatementLine, q: str, amount: Decimal | None) -> list[Receivable]:
    receivables = Receivable.objects.select_related("debtor").annotate(recovered=_active_sum("receivable"))
    receivables = receivables.annotate(left=F("amount") - F("recovered")).filter(left__gt=0)
    if q or amount is not None:
        if q:
            digits = re.sub(r"\D", "", q)
            found = (
                Q(reference__icontains=q)
                | Q(label__icontains=q)
                | Q(debtor__name_fr__icontains=q)
                | Q(debtor__name_nl__icontains=q)
            )
            if len(digits) >= 3:
                found |= Q(structured_communication__contains=digits)
            receivables = receivables.filter(found)
        if amount is not None:
            receivables = receivables.filter(Q(amount=amount) | Q(left=amount))
    else:
        likely = Q(structured_communication__in=references_of(line))
        if line.counterparty_iban:
            likely |= Q(debtor__bank_accounts__iban=line.counterparty_iban)
        receivables = receivables.filter(likely).distinct()
    return list(receivables.order_by("-created_at", "-id")[:CANDIDATES_SHOWN])
