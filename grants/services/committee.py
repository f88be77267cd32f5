"""Committee sessions: members, agenda in ranking order, attendance, recusals, decisions, and closing."""

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import User
from core.money import format_eur, to_cents
from core.services.audit import audit_record
from finance.models import Envelope
from finance.services.commitments import committed_total
from grants.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Call,
    CommitteeSession,
    ItemDecision,
    Recusal,
    SessionItem,
    SessionStatus,
)
from grants.permissions import can_record_sessions
from grants.ranking import call_ranking
from grants.services.awards import award_create, envelope_code
from grants.signals import session_closed
from loans.models import LoanApplication, LoanApplicationStatus, LoanProduct, Opinion
from loans.services.decision import loan_opinion_record
from loans.signals import loan_opinion_given


def _require_secretary(actor) -> None:
    allowed, reason = can_record_sessions(actor)
    if not allowed:
        raise NotPermitted(reason)


def _members(ids: list[int]) -> list[User]:
    members = list(User.objects.filter(pk__in=ids, is_active=True, is_staff=True))
    if len(members) != len(set(ids)) or any(not m.has_perm("grants.sit_on_committee") for m in members):
        raise InvalidInput(
            _("Every member must be a committee member of the administration."), extra={"fields": {"members": []}}
        )
    return members


@transaction.atomic
def session_create(
    *,
    actor,
    held_at,
    place: str,
    member_ids: list[int],
    quorum: int,
    call_id: int | None = None,
    loan_product_id: int | None = None,
) -> CommitteeSession:
    """A session on the applications of one call, or on the loan applications of one loan product."""
    _require_secretary(actor)
    if (call_id is None) == (loan_product_id is None):
        raise InvalidInput(
            _("Choose the call or the loan product the session is about."), extra={"fields": {"call": []}}
        )
    members = _members(member_ids)
    if not members:
        raise InvalidInput(_("A session needs members."), extra={"fields": {"members": []}})
    if not 1 <= quorum <= len(members):
        raise InvalidInput(
            _("The quorum must be between 1 and the number of members (%(count)s).") % {"count": len(members)},
            extra={"fields": {"quorum": []}},
        )
    call = Call.objects.filter(pk=call_id).first() if call_id else None
    product = LoanProduct.objects.filter(pk=loan_product_id).first() if loan_product_id else None
    if call is None and product is None:  # an id that names nothing (the page only offers existing ones)
        field = "call" if call_id else "loan_product"
        raise InvalidInput(
            _("Choose the call or the loan product the session is about."), extra={"fields": {field: []}}
        )
    session = CommitteeSession.objects.create(
        call=call,
        loan_product=product,
        held_at=held_at,
        place=place.strip(),
        quorum=quorum,
        secretary=actor,
    )
    session.members.set(members)
    audit_record(
        obj=session,
        actor=actor,
        action="session_planned",
        changes={"members": [m.email for m in members], "quorum": quorum},
    )
    return session


def _open_session(session_id: int) -> CommitteeSession:
    session = (
        CommitteeSession.objects.select_for_update(of=("self",))
        .select_related("call", "loan_product")
        .get(pk=session_id)
    )
    if session.status != SessionStatus.PLANNED:
        raise TransitionNotAllowed(_("This session is closed: its decisions are final."))
    return session


@transaction.atomic
def agenda_from_ranking(*, actor, session_id: int) -> list[SessionItem]:
    """Put every reviewed application of the call not yet decided on the agenda, in ranking order, proposing the
    amount requested. A loan session takes every analysed loan application of its product, by reference, proposing
    the analyst's amount."""
    _require_secretary(actor)
    session = _open_session(session_id)
    if session.for_loans:
        return _loan_agenda(actor, session)
    assert session.call is not None  # a session is on a call or on a loan product
    listed = set(session.items.values_list("application_id", flat=True))
    position = session.items.count()
    items = []
    for row in call_ranking(session.call):
        application = row.application
        if application.status != ApplicationStatus.REVIEWED or application.pk in listed:
            continue
        position += 1
        items.append(
            SessionItem.objects.create(
                session=session,
                application=application,
                position=position,
                proposed_amount=application.amount_requested or Decimal("0"),
            )
        )
    audit_record(obj=session, actor=actor, action="agenda_set", changes={"items": [str(i.subject) for i in items]})
    return items


def _loan_agenda(actor, session: CommitteeSession) -> list[SessionItem]:
    listed = set(session.items.values_list("loan_application_id", flat=True))
    position = session.items.count()
    items = []
    waiting = LoanApplication.objects.filter(
        product_version__product=session.loan_product, status=LoanApplicationStatus.ANALYSED
    ).order_by("reference")
    for application in waiting:
        if application.pk in listed:
            continue
        analysis = application.analyses.order_by("-completed_at").first()
        position += 1
        items.append(
            SessionItem.objects.create(
                session=session,
                loan_application=application,
                position=position,
                proposed_amount=analysis.proposed_total if analysis else application.requested_total,
            )
        )
    audit_record(obj=session, actor=actor, action="agenda_set", changes={"items": [str(i.subject) for i in items]})
    return items


@transaction.atomic
def attendance_record(*, actor, session_id: int, present_ids: list[int]) -> None:
    _require_secretary(actor)
    session = _open_session(session_id)
    members = set(session.members.values_list("pk", flat=True))
    if not set(present_ids) <= members:
        raise InvalidInput(_("Only members of the session can be present."), extra={"fields": {"present": []}})
    for member_id in members:
        Attendance.objects.update_or_create(
            session=session, member_id=member_id, defaults={"present": member_id in present_ids}
        )
    audit_record(obj=session, actor=actor, action="attendance_recorded", changes={"present": sorted(present_ids)})


@transaction.atomic
def recusal_record(*, actor, item_id: int, member_id: int, reason: str) -> Recusal:
    _require_secretary(actor)
    item = SessionItem.objects.select_related("session").get(pk=item_id)
    _open_session(item.session_id)
    item.refresh_from_db(fields=["decision"])  # read under the session's lock: a decision may have just been taken
    if item.decision:
        # Standing aside after the decision would leave a decision taken with the member in it.
        raise TransitionNotAllowed(_("This item is decided: a member stands aside before the decision is taken."))
    if not item.session.members.filter(pk=member_id).exists():
        raise InvalidInput(_("Only a member of the session can stand aside."), extra={"fields": {"member": []}})
    if not reason.strip():
        raise InvalidInput(_("Give the reason for standing aside."), extra={"fields": {"reason": []}})
    recusal, _created = Recusal.objects.get_or_create(
        item=item, member_id=member_id, defaults={"reason": reason.strip()}
    )
    audit_record(
        obj=item.session,
        actor=actor,
        action="member_recused",
        changes={"item": str(item.subject), "member": member_id},
    )
    return recusal


def present_members(session: CommitteeSession) -> set[int]:
    return set(session.attendance.filter(present=True).values_list("member_id", flat=True))


def voting_members(item: SessionItem, present: set[int] | None = None) -> int:
    """Members present and not standing aside on this item: the count quorum is checked against. A page listing
    many items passes `present` (present_members) and prefetches the items' recusals, so counting costs no query."""
    if present is None:
        present = present_members(item.session)
    recused = {recusal.member_id for recusal in item.recusals.all()}
    return len(present - recused)


def _envelope_left(session: CommitteeSession, item: SessionItem) -> Decimal:
    """What the envelope still allows: its amount, minus what is committed, minus approvals of this session not yet
    committed (they are committed when the session closes)."""
    assert item.application is not None  # only grant items are checked against the call's envelope
    version = item.application.call_version
    envelope = Envelope.objects.filter(code=envelope_code(session.call)).first()
    amount = envelope.amount if envelope else version.envelope
    committed = committed_total(envelope) if envelope else Decimal("0")
    pending = session.items.filter(decision=ItemDecision.APPROVED).exclude(pk=item.pk).aggregate(
        total=Sum("decided_amount")
    )["total"] or Decimal("0")
    return amount - committed - pending


@transaction.atomic
def item_decide(
    *, actor, item_id: int, decision: str, amount=None, conditions: str = "", reason: str = ""
) -> SessionItem:
    _require_secretary(actor)
    item = SessionItem.objects.select_related("session", "application__call_version", "loan_application").get(
        pk=item_id
    )
    session = _open_session(item.session_id)
    if voting_members(item) < session.quorum:
        raise TransitionNotAllowed(
            _("No quorum on this item: %(voting)s member(s) take part, %(quorum)s are needed.")
            % {"voting": voting_members(item), "quorum": session.quorum}
        )
    if decision not in ItemDecision.values:
        raise InvalidInput(_("Choose a decision."), extra={"fields": {"decision": []}})
    item.decided_amount = None
    if decision == ItemDecision.APPROVED:
        try:
            item.decided_amount = to_cents(amount)
        except (TypeError, ValueError, ArithmeticError):
            raise InvalidInput(_("Give the amount granted."), extra={"fields": {"amount": []}}) from None
        requested = item.requested_amount or Decimal("0")
        if not Decimal("0") < item.decided_amount <= requested:
            raise InvalidInput(
                _("The amount granted must be above zero and at most the amount requested (%(requested)s).")
                % {"requested": format_eur(requested)},
                extra={"fields": {"amount": []}},
            )
        left = _envelope_left(session, item) if item.application_id else item.decided_amount
        if item.decided_amount > left:
            raise InvalidInput(
                _("The envelope has %(left)s left for this session: %(amount)s is too much.")
                % {"left": format_eur(left), "amount": format_eur(item.decided_amount)},
                extra={"fields": {"amount": []}},
            )
    elif decision == ItemDecision.REJECTED and not reason.strip():
        raise InvalidInput(_("A rejection needs its reason."), extra={"fields": {"reason": []}})
    item.decision = decision
    item.conditions = conditions.strip() if decision == ItemDecision.APPROVED else ""
    item.reason = reason.strip()
    item.decided_at = timezone.now()
    item.save()
    audit_record(
        obj=session,
        actor=actor,
        action="item_decided",
        changes={"item": str(item.subject), "decision": decision, "amount": str(item.decided_amount or "")},
    )
    return item


@transaction.atomic
def session_close(*, actor, session_id: int) -> CommitteeSession:
    """Make the decisions final: awards (committed where no approval is needed), refusals, postponements; then,
    after commit, the minutes in French and Dutch and the letters, in one batch."""
    _require_secretary(actor)
    session = _open_session(session_id)
    items = list(session.items.select_related("application__call_version", "application__organisation"))
    opinions = []
    present = session.attendance.filter(present=True).count()
    if present < session.quorum:
        raise TransitionNotAllowed(
            _("No quorum: %(present)s member(s) present, %(quorum)s needed.")
            % {"present": present, "quorum": session.quorum}
        )
    if not items or any(not item.decision for item in items):
        raise TransitionNotAllowed(_("Every item on the agenda needs a decision before the session is closed."))
    for item in items:
        if item.loan_application_id:
            opinions += _loan_opinion(item, actor)
            continue
        assert item.application_id is not None
        application = Application.objects.select_for_update().get(pk=item.application_id)
        if item.decision == ItemDecision.APPROVED:
            award_create(item=item, actor=actor)
        elif item.decision == ItemDecision.REJECTED:
            application.status = ApplicationStatus.REJECTED
            application.save(update_fields=["status", "updated_at"])
            audit_record(
                obj=application,
                actor=actor,
                action="not_selected",
                to_state=application.status,
                changes={"reason": item.reason},
            )
    session.status = SessionStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    audit_record(obj=session, actor=actor, action="session_closed", to_state=SessionStatus.CLOSED)
    from grants.tasks import session_documents

    transaction.on_commit(partial(session_documents.delay, session_id=session.pk))
    transaction.on_commit(partial(session_closed.send, sender=CommitteeSession, session_id=session.pk))
    for application_id in opinions:
        transaction.on_commit(partial(loan_opinion_given.send, sender=LoanApplication, application_id=application_id))
    return session


def _loan_opinion(item: SessionItem, actor) -> list[int]:
    """For a loan the committee gives an opinion: approved is favourable, rejected unfavourable; a postponed item
    waits for the next session."""
    if item.decision == ItemDecision.POSTPONED:
        return []
    assert item.loan_application_id is not None
    application = LoanApplication.objects.select_for_update().get(pk=item.loan_application_id)
    favourable = item.decision == ItemDecision.APPROVED
    loan_opinion_record(
        application=application,
        opinion=Opinion.FAVOURABLE if favourable else Opinion.UNFAVOURABLE,
        reason=item.conditions if favourable else item.reason,
        actor=actor,
    )
    return [application.pk]
