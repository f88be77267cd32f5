"""Matching bank statement lines to what they pay or repay, automatically after an import or by hand.

Money paid out (amount < 0) pays a payment order: found by its end-to-end id (the line's, or one written in its free
communication), else by amount and the creditor's IBAN among orders in a batch when exactly one fits. The order is
then paid with the line's value date (finance.services.settlement.order_settle).

Money received (amount > 0) is found by its structured communication (the line's, else those written in its free
text): family 2 of core.ogm is a loan instalment (the repayment is recorded in the loan's ledger by
loans.services.repayments.repayment_record, which allocates it, the surplus included, by the loan's rules), family 3
an amount to recover (finance.Receivable), each named one taking what it still owes, in the order named.

A line whose matches do not cover its amount waits on the manual matching page. The automatic matching never touches
a line that has a match, even undone: what a person decided stays decided, and a rerun books nothing twice.
"""

import logging
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.be import ogm_vcs

from core.errors import ApplicationError, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.money import format_eur, to_cents
from core.ogm import LOAN_INSTALMENT
from core.roles import is_staff_member
from core.services.audit import audit_record
from finance.bankfiles import NOT_PROVIDED, compact_iban
from finance.models import BankStatement, LineMatch, MatchMethod, OrderStatus, PaymentOrder, Receivable, StatementLine
from finance.services.settlement import SETTLEABLE, order_settle
from loans.models import EntryKind, Installment, LedgerEntry, RepaymentSource
from loans.services.repayments import event_reverse, repayment_record

logger = logging.getLogger(__name__)

RECOVERY = 3  # the core.ogm family of amounts to recover (finance.Receivable.structured_communication)
ZERO = Decimal("0.00")
ACTIVE = Q(undone_at__isnull=True)
OGM_IN_TEXT = re.compile(r"(?<!\d)(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})(?!\d)")
TOKEN = re.compile(r"[A-Za-z0-9/?:().,'+-]{6,35}")


def matched_total(line: StatementLine) -> Decimal:
    return line.matches.filter(ACTIVE).aggregate(total=Sum("amount"))["total"] or ZERO


def left_to_match(line: StatementLine) -> Decimal:
    return abs(line.amount) - matched_total(line)


def references_of(line: StatementLine) -> list[str]:
    """The structured communications a line names: its own, else the valid ones written in its free text."""
    if line.structured_communication:
        return [line.structured_communication]
    found: list[str] = []
    for parts in OGM_IN_TEXT.findall(line.communication):
        digits = "".join(parts)
        if ogm_vcs.is_valid(digits) and digits not in found:
            found.append(digits)
    return found


def _record(match: LineMatch, actor) -> LineMatch:
    audit_record(
        obj=match,
        actor=actor,
        action="matched",
        changes={"method": match.method, "amount": str(match.amount), "line": match.line_id},
    )
    return match


# Money paid out -----------------------------------------------------------------------------------------------


def _order_by_end_to_end(line: StatementLine) -> PaymentOrder | None:
    ids = {line.end_to_end_id, *TOKEN.findall(line.communication)} - {"", NOT_PROVIDED}
    orders = list(PaymentOrder.objects.filter(end_to_end_id__in=ids, status__in=SETTLEABLE)[:2])
    return orders[0] if len(orders) == 1 else None


def _order_by_amount_and_iban(line: StatementLine) -> PaymentOrder | None:
    iban = compact_iban(line.counterparty_iban)
    if not iban:
        return None
    orders = list(PaymentOrder.objects.filter(status=OrderStatus.BATCHED, amount=-line.amount, creditor_iban=iban)[:2])
    return orders[0] if len(orders) == 1 else None


def _pay_order(line: StatementLine, order: PaymentOrder, method: str, actor=None) -> LineMatch:
    order_settle(order_id=order.pk, paid_on=line.value_date, actor=actor)
    match = LineMatch.objects.create(
        line=line, amount=order.amount, method=method, payment_order=order, matched_by=actor
    )
    return _record(match, actor)


def _match_outgoing(line: StatementLine) -> list[LineMatch]:
    order, method = _order_by_end_to_end(line), MatchMethod.END_TO_END
    if order is None:
        order, method = _order_by_amount_and_iban(line), MatchMethod.AMOUNT_IBAN
    if order is None or order.amount != -line.amount:  # an order is paid whole, by one line
        return []
    return [_pay_order(line, order, method)]


# Money received -----------------------------------------------------------------------------------------------


def _repay(line: StatementLine, *, loan_id: int, amount: Decimal, communication: str, key: str, actor, by=None):
    repayment = repayment_record(
        actor=actor,
        loan_id=loan_id,
        amount=str(amount),
        value_date=line.value_date,
        communication=communication,
        key=key,
        source=RepaymentSource.BANK,
        bank_reference=line.bank_reference or f"{line.statement_id}/{line.sequence}",
    )
    method = MatchMethod.STRUCTURED if by is None else MatchMethod.MANUAL
    match = LineMatch.objects.create(
        line=line, amount=amount, method=method, loan_id=loan_id, repayment=repayment, matched_by=by
    )
    return _record(match, by)


def _receivable_left(receivable: Receivable) -> Decimal:
    return receivable.amount - (receivable.matches.filter(ACTIVE).aggregate(total=Sum("amount"))["total"] or ZERO)


def _recover(line: StatementLine, receivable: Receivable, amount: Decimal, by=None) -> LineMatch:
    method = MatchMethod.STRUCTURED if by is None else MatchMethod.MANUAL
    match = LineMatch.objects.create(line=line, amount=amount, method=method, receivable=receivable, matched_by=by)
    return _record(match, by)


def _match_incoming(line: StatementLine, actor) -> list[LineMatch]:
    references = references_of(line)
    instalments = [r for r in references if r[0] == str(LOAN_INSTALMENT)]
    recoveries = [r for r in references if r[0] == str(RECOVERY)]
    if instalments and recoveries:
        return []  # a loan and a recovery in one transfer: a person splits it
    if instalments:
        named = Installment.objects.filter(structured_communication__in=instalments)
        found = {i.structured_communication: i for i in named}
        loans = {i.loan_id for i in found.values()}
        if len(loans) != 1:
            return []  # unknown communication, or several loans: a person decides
        first = next(r for r in instalments if r in found)
        key = f"bank-line:{line.pk}"  # a rerun, or a retried task, finds the repayment booked under it
        return [_repay(line, loan_id=loans.pop(), amount=line.amount, communication=first, key=key, actor=actor)]
    # Locked in the order named: two lines paying the same recovery at once are counted one after the other.
    named_receivables = Receivable.objects.select_for_update().filter(structured_communication__in=recoveries)
    receivables = {r.structured_communication: r for r in named_receivables}
    matches, left = [], line.amount
    for reference in recoveries:
        receivable = receivables.get(reference)
        if receivable is None:
            continue
        share = min(left, _receivable_left(receivable))
        if share > 0:
            matches.append(_recover(line, receivable, share))
            left -= share
    return matches


# The services -------------------------------------------------------------------------------------------------


@transaction.atomic
def match_line(line: StatementLine, *, booked_by=None) -> list[LineMatch]:
    """Match one line automatically, or leave it for a person. Loans record a repayment in the name of a person
    allowed to: `booked_by`, by default whoever imported the statement; the match itself is the system's."""
    # The line's row is the lock every match of it takes: a person matching it by hand at the same moment waits.
    line = StatementLine.objects.select_for_update().select_related("statement__imported_by").get(pk=line.pk)
    if line.matches.exists():
        return []
    try:
        with transaction.atomic():  # what a refused match booked (a loan's late interest...) is rolled back
            if line.amount < 0:
                return _match_outgoing(line)
            return _match_incoming(line, booked_by or line.statement.imported_by)
    except ApplicationError as error:
        logger.info("Statement line %s left for manual matching: %s", line.pk, error)
        return []


def statement_match(*, statement_id: int, booked_by=None) -> int:
    """Match every line of a statement that has no match yet; how many lines got one."""
    matched = 0
    for line in StatementLine.objects.filter(statement_id=statement_id).order_by("sequence"):
        try:
            matched += bool(match_line(line, booked_by=booked_by))
        except Exception:  # a defect on one line (its transaction rolled back) must not keep the others unmatched
            logger.exception("Automatic matching failed on statement line %s", line.pk)
    return matched


def statement_rematch(*, actor, statement_id: int) -> int:
    """A person asks for the automatic matching again (an order was batched or a recovery created since)."""
    _require(actor, "finance.add_linematch")
    if not BankStatement.objects.filter(pk=statement_id).exists():
        raise NotFound(_("This statement does not exist."))
    return statement_match(statement_id=statement_id, booked_by=actor)


def _require(actor, permission: str) -> None:
    if not (is_staff_member(actor) and actor.has_perm(permission)):
        raise NotPermitted(_("Only finance officers match bank statement lines."))


def _cents(raw) -> Decimal:
    try:
        amount = to_cents(str(raw).strip().replace(",", "."))
    except (TypeError, ValueError, InvalidOperation):
        amount = ZERO
    if amount <= 0:
        raise InvalidInput(_("Give an amount above zero."), extra={"fields": {"amount": []}})
    return amount


def _manual_order(line: StatementLine, order_id: int, amount: Decimal, actor) -> LineMatch:
    if line.amount > 0:
        raise InvalidInput(_("Money received does not pay a payment order."), extra={"fields": {"target": []}})
    order = PaymentOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("This payment order does not exist."))
    if amount != order.amount:
        raise InvalidInput(
            _("A payment order is paid whole: match %(amount)s.") % {"amount": format_eur(order.amount)},
            extra={"fields": {"amount": []}},
        )
    return _pay_order(line, order, MatchMethod.MANUAL, actor)


def _manual_loan(line: StatementLine, loan_id: int, installment_id: int | None, amount: Decimal, actor) -> LineMatch:
    communication = ""
    if installment_id:
        installment = Installment.objects.filter(pk=installment_id, loan_id=loan_id).first()
        if installment is None:
            raise InvalidInput(_("This instalment is not one of that loan."), extra={"fields": {"target": []}})
        communication = installment.structured_communication
    # The key follows the line's matches so far (under the line's lock): a double click books once, and a line
    # matched again after an undo books anew.
    key = f"bank-line:{line.pk}:manual:{line.matches.count()}"
    return _repay(line, loan_id=loan_id, amount=amount, communication=communication, key=key, actor=actor, by=actor)


def _manual_receivable(line: StatementLine, receivable_id: int, amount: Decimal, actor) -> LineMatch:
    receivable = Receivable.objects.select_for_update().filter(pk=receivable_id).first()
    if receivable is None:
        raise NotFound(_("This amount to recover does not exist."))
    left = _receivable_left(receivable)
    if amount > left:
        raise InvalidInput(
            _("%(reference)s has %(left)s left to recover.")
            % {"reference": receivable.reference, "left": format_eur(left)},
            extra={"fields": {"amount": []}},
        )
    return _recover(line, receivable, amount, by=actor)


@transaction.atomic
def match_manual(
    *,
    actor,
    line_id: int,
    amount,
    payment_order_id: int | None = None,
    loan_id: int | None = None,
    installment_id: int | None = None,
    receivable_id: int | None = None,
) -> LineMatch:
    """A person ties (part of) a line to one payment order, loan (optionally naming its instalment) or recovery."""
    _require(actor, "finance.add_linematch")
    if sum(bool(target) for target in (payment_order_id, loan_id, receivable_id)) != 1:
        raise InvalidInput(_("Choose one payment order, loan or amount to recover."), extra={"fields": {"target": []}})
    line = StatementLine.objects.select_for_update().filter(pk=line_id).first()  # see match_line
    if line is None:
        raise NotFound(_("This statement line does not exist."))
    cents = _cents(amount)
    left = left_to_match(line)
    if cents > left:
        raise InvalidInput(
            _("Only %(left)s of this line is left to match.") % {"left": format_eur(left)},
            extra={"fields": {"amount": []}},
        )
    if payment_order_id:
        return _manual_order(line, payment_order_id, cents, actor)
    if line.amount < 0:
        raise InvalidInput(
            _("Money paid out does not repay a loan or an amount to recover."), extra={"fields": {"target": []}}
        )
    if loan_id:
        return _manual_loan(line, loan_id, installment_id, cents, actor)
    return _manual_receivable(line, receivable_id or 0, cents, actor)


@transaction.atomic
def match_undo(*, actor, match_id: int, reason: str) -> LineMatch:
    """Undo a match: the line waits for matching again. A loan repayment is reversed in the loan's ledger (new
    entries, the originals stay). A paid payment order is not undone here: its drawdown or tranche moved on with it
    (interest started, the schedule was computed), which no undo can take back; money that really came back is a
    new line, received."""
    _require(actor, "finance.change_linematch")
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the match is undone."), extra={"fields": {"reason": []}})
    line_id = LineMatch.objects.filter(pk=match_id).values_list("line_id", flat=True).first()
    if line_id is None:
        raise NotFound(_("This match does not exist."))
    StatementLine.objects.select_for_update().get(pk=line_id)  # the line first, as the matching locks it
    match = LineMatch.objects.select_for_update().get(pk=match_id)
    if match.undone_at is not None:
        raise TransitionNotAllowed(_("This match was undone already."))
    if match.payment_order_id:
        raise TransitionNotAllowed(
            _(
                "A payment order matched to the bank is paid, and its drawdown or tranche moved on with it: "
                "this match cannot be undone."
            )
        )
    if match.repayment_id and match.loan_id:
        event = f"repayment:{match.repayment_id}"
        kinds = [EntryKind.REPAYMENT, EntryKind.PREPAYMENT]
        if LedgerEntry.objects.filter(event=event, kind__in=kinds, reversed_by__isnull=True).exists():
            event_reverse(actor=actor, loan_id=match.loan_id, event=event, reason=reason)
    match.undone_at, match.undone_by, match.undo_reason = timezone.now(), actor, reason.strip()[:300]
    match.save(update_fields=["undone_at", "undone_by", "undo_reason"])
    audit_record(obj=match, actor=actor, action="match_undone", changes={"reason": match.undo_reason})
    return match
