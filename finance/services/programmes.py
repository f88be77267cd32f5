"""Paradigm transfers and the We Pulse programme's financing: recording transfers (with their documents) and what was
planned, who joined We Pulse, and each authority's financing plan per domain.

Transfers are never edited: a correction is a new transfer that replaces the old one (`transfer_correct`), so the
audit trail and the old row both keep what was first recorded. A transfer for the programme's investments may name the
authority and domain it finances; that attribution gives the regional share's actuals (programme_figures.py).
The figures (totals per year against the plan, the We Pulse dashboard) are in finance/services/programme_figures.py.
"""

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.models import Organisation, OrganisationKind
from core.money import format_eur, to_cents
from core.roles import is_staff_member
from core.services.audit import audit_record, diff, snapshot
from core.uploads import check_upload, store_checked
from finance.models import (
    BudgetLine,
    ParadigmAttachment,
    ParadigmPlan,
    ParadigmTransfer,
    TransferPurpose,
    WePulseDomain,
    WePulseFinancingPlan,
    WePulseParticipant,
    WePulseProgramme,
)
from loans.models import Loan  # read only: a We Pulse plan links to the FRBRTC loan that finances its loan share

Decision = tuple[bool, str]
MAX_ATTACHMENTS = 10
FIRST_YEAR = 2000  # budget years before this are typing errors, not history we hold
PARTICIPANT_KINDS = (OrganisationKind.COMMUNE, OrganisationKind.CPAS)
TRANSFER_FIELDS = ["date", "amount", "budget_year", "budget_line", "purpose", "decision_reference", "description"]
TRANSFER_FIELDS += ["programme", "participant", "domain"]
PLAN_FIELDS = ["cost", "regional_share", "loan_amount", "own_funds", "loan"]


# Who may do what ------------------------------------------------------------------------------------------------


def _has(user, perm: str) -> bool:
    return is_staff_member(user) and user.has_perm(perm)


def can_record_transfer(user) -> Decision:
    if _has(user, "finance.add_paradigmtransfer"):
        return True, ""
    return False, _("Only finance officers record transfers to Paradigm.")


def can_correct_transfer(user) -> Decision:
    if _has(user, "finance.add_paradigmtransfer") and _has(user, "finance.change_paradigmtransfer"):
        return True, ""
    return False, _("Only finance officers correct transfers to Paradigm.")


def can_plan_transfers(user) -> Decision:
    if _has(user, "finance.add_paradigmplan") and _has(user, "finance.change_paradigmplan"):
        return True, ""
    return False, _("Only finance officers set what is planned for Paradigm.")


def can_manage_wepulse(user) -> Decision:
    if _has(user, "finance.change_wepulseparticipant") and _has(user, "finance.change_wepulsefinancingplan"):
        return True, ""
    return False, _("Only finance officers record the We Pulse participants and their financing plans.")


def _require(decision: Decision) -> None:
    allowed, reason = decision
    if not allowed:
        raise NotPermitted(reason)


# Reading the input ----------------------------------------------------------------------------------------------


def parse_amount(raw: Any, field: str, *, zero_allowed: bool = False) -> Decimal:
    """An amount in EUR as people type it (1.234.567,89 or 1234567.89), to the cent; above zero unless zero is
    allowed, never negative."""
    try:
        if isinstance(raw, bool | float) or raw is None:
            raise ValueError(raw)
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace("EUR", "").replace("€", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")
        amount = to_cents(text)
    except (TypeError, ValueError, InvalidOperation):
        raise InvalidInput(_("Enter an amount, e.g. 1.234.567,89."), extra={"fields": {field: []}}) from None
    if amount < 0 or (amount == 0 and not zero_allowed):
        message = _("Give an amount of zero or more.") if zero_allowed else _("Give an amount above zero.")
        raise InvalidInput(message, extra={"fields": {field: []}})
    return amount


def _year(raw: Any, field: str) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise InvalidInput(
            _("Give a budget year between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": timezone.localdate().year + 1},
            extra={"fields": {field: []}},
        )
    return year


def _checked_uploads(uploads: Sequence[UploadedFile]) -> list[UploadedFile]:
    """Every file checked before any is stored: one bad file stores none."""
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            _("Attach at most %(count)s files at a time.") % {"count": MAX_ATTACHMENTS},
            extra={"fields": {"attachments": []}},
        )
    for upload in uploads:
        try:
            check_upload(upload)
        except InvalidInput as error:
            raise InvalidInput(error.message, extra={"fields": {"attachments": [error.message]}}) from None
    return list(uploads)


def _attach(transfer: ParadigmTransfer, uploads: Sequence[UploadedFile], actor) -> list[ParadigmAttachment]:
    attachments = []
    for upload in uploads:
        attachment = ParadigmAttachment(transfer=transfer)
        store_checked(attachment, upload, actor=actor)
        attachment.save()
        attachments.append(attachment)
    return attachments


# Paradigm transfers ---------------------------------------------------------------------------------------------


def _attribution(purpose: str, programme_id=None, participant_id=None, domain_id=None) -> dict[str, Any]:
    """The We Pulse programme, authority and domain a transfer finances, checked against each other."""
    if (participant_id or domain_id) and purpose != TransferPurpose.INVESTMENTS:
        raise InvalidInput(
            _("Only a transfer for investments is attributed to a local authority or a domain."),
            extra={"fields": {"participant": [], "domain": []}},
        )
    participant = domain = None
    if participant_id:
        # Locked: the authority cannot leave the programme while money is attributed to it.
        participant = (
            WePulseParticipant.objects.select_for_update().select_related("organisation").filter(pk=participant_id)
        ).first()
        if participant is None:
            raise InvalidInput(_("Choose a participating authority."), extra={"fields": {"participant": []}})
        if not participant.joined:
            raise InvalidInput(
                _("%(name)s has not joined We Pulse.") % {"name": participant.organisation.name},
                extra={"fields": {"participant": []}},
            )
    if domain_id:
        domain = WePulseDomain.objects.filter(pk=domain_id).first()
        if domain is None:
            raise InvalidInput(_("Choose a domain of the programme."), extra={"fields": {"domain": []}})
    programme_ids = {obj.programme_id for obj in (participant, domain) if obj is not None}
    if programme_id:
        programme_ids.add(int(programme_id))
    if len(programme_ids) > 1:
        raise InvalidInput(_("The authority and the domain must be of the same programme."))
    if participant and domain:
        _domain_fits(domain, participant.organisation, "domain")
    programme = WePulseProgramme.objects.filter(pk=programme_ids.pop()).first() if programme_ids else None
    if programme_ids and programme is None:
        raise InvalidInput(_("Choose a programme."), extra={"fields": {"programme": []}})
    return {"programme": programme, "participant": participant, "domain": domain}


def _transfer_values(
    *, date, amount, budget_year, budget_line_id, purpose, decision_reference, description="", **attribution
) -> dict[str, Any]:
    if not isinstance(date, dt.date) or date > timezone.localdate():
        raise InvalidInput(_("Give the date of the transfer (not in the future)."), extra={"fields": {"date": []}})
    year = _year(budget_year, "budget_year")
    if abs(year - date.year) > 1:
        raise InvalidInput(
            _("The budget year must be the year of the transfer, the year before or the year after."),
            extra={"fields": {"budget_year": []}},
        )
    line = BudgetLine.objects.filter(pk=budget_line_id).first() if str(budget_line_id or "").isdigit() else None
    if line is None:
        raise InvalidInput(_("Choose a budget line of the budget."), extra={"fields": {"budget_line": []}})
    if purpose not in TransferPurpose.values:
        raise InvalidInput(_("Choose the purpose of the transfer."), extra={"fields": {"purpose": []}})
    if not (decision_reference or "").strip():
        raise InvalidInput(
            _("Give the reference of the decision the transfer executes."),
            extra={"fields": {"decision_reference": []}},
        )
    return {
        "date": date,
        "amount": parse_amount(amount, "amount"),
        "budget_year": year,
        "budget_line": line,
        "purpose": purpose,
        "decision_reference": decision_reference.strip()[:100],
        "description": (description or "").strip(),
        **_attribution(purpose, **attribution),
    }


@transaction.atomic
def transfer_record(
    *,
    actor,
    key: str,
    date: dt.date,
    amount: Decimal | str,
    budget_year: int,
    budget_line_id: int,
    purpose: str,
    decision_reference: str,
    description: str = "",
    programme_id: int | None = None,
    participant_id: int | None = None,
    domain_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> ParadigmTransfer:
    """Record a transfer to Paradigm with its documents. The same `key` (the form's token) records it once."""
    _require(can_record_transfer(actor))
    existing = ParadigmTransfer.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    values = _transfer_values(
        date=date,
        amount=amount,
        budget_year=budget_year,
        budget_line_id=budget_line_id,
        purpose=purpose,
        decision_reference=decision_reference,
        description=description,
        programme_id=programme_id,
        participant_id=participant_id,
        domain_id=domain_id,
    )
    uploads = _checked_uploads(attachments)
    transfer = ParadigmTransfer.objects.create(idempotency_key=key, created_by=actor, **values)
    files = _attach(transfer, uploads, actor)
    audit_record(
        obj=transfer,
        actor=actor,
        action="paradigm_transfer_recorded",
        changes={**snapshot(transfer, TRANSFER_FIELDS), "attachments": [f.sha256 for f in files]},
    )
    return transfer


@transaction.atomic
def transfer_correct(*, actor, transfer_id: int, key: str, reason: str, **fields: Any) -> ParadigmTransfer:
    """Replace a transfer by a corrected one (the same fields as transfer_record). The old one stays, no longer
    counted; its documents are carried over (the same stored files) and new ones may be added."""
    _require(can_correct_transfer(actor))
    existing = ParadigmTransfer.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    # Locked: two people correcting the same transfer at once make one correction, not two.
    old = ParadigmTransfer.objects.select_for_update().filter(pk=transfer_id).first()
    if old is None:
        raise NotFound(_("No such transfer."))
    if ParadigmTransfer.objects.filter(replaces=old).exists():
        raise TransitionNotAllowed(_("This transfer was corrected already: correct the newest one."))
    if not reason.strip():
        raise InvalidInput(_("Say why the transfer is corrected."), extra={"fields": {"reason": []}})
    uploads = _checked_uploads(fields.pop("attachments", ()))
    values = _transfer_values(**fields)
    transfer = ParadigmTransfer.objects.create(
        idempotency_key=key, created_by=actor, replaces=old, correction_reason=reason.strip()[:300], **values
    )
    for document in old.attachments.all():
        document.pk = None
        document.transfer = transfer
        document.save()  # the same stored file, under the new transfer
    _attach(transfer, uploads, actor)
    audit_record(
        obj=transfer,
        actor=actor,
        action="paradigm_transfer_corrected",
        changes={
            "replaces": old.pk,
            "reason": reason.strip(),
            **diff(snapshot(old, TRANSFER_FIELDS), snapshot(transfer, TRANSFER_FIELDS)),
        },
    )
    audit_record(obj=old, actor=actor, action="paradigm_transfer_replaced", changes={"by": transfer.pk})
    return transfer


@transaction.atomic
def transfer_attachments_add(*, actor, transfer_id: int, uploads: Sequence[UploadedFile]) -> list[ParadigmAttachment]:
    """Add documents to a transfer (the bank's proof often comes later). Documents are never removed."""
    _require(can_record_transfer(actor))
    transfer = ParadigmTransfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound(_("No such transfer."))
    if not uploads:
        raise InvalidInput(_("Choose the files to attach."), extra={"fields": {"attachments": []}})
    files = _attach(transfer, _checked_uploads(uploads), actor)
    audit_record(
        obj=transfer,
        actor=actor,
        action="paradigm_attachments_added",
        changes={"files": [{"name": f.original_name, "sha256": f.sha256} for f in files]},
    )
    return files


@transaction.atomic
def plan_set(*, actor, year: int, purpose: str, amount: Decimal | str, source: str = "") -> ParadigmPlan:
    """What is planned to be transferred to Paradigm in a budget year for a purpose (zero allowed)."""
    _require(can_plan_transfers(actor))
    year = _year(year, "year")
    if purpose not in TransferPurpose.values:
        raise InvalidInput(_("Choose the purpose of the transfer."), extra={"fields": {"purpose": []}})
    planned = parse_amount(amount, "amount", zero_allowed=True)
    # get_or_create retries its read when another person creates the same year and purpose at the same moment.
    plan, created = ParadigmPlan.objects.select_for_update().get_or_create(
        year=year, purpose=purpose, defaults={"amount": planned, "updated_by": actor}
    )
    before = {} if created else snapshot(plan, ["amount", "source"])
    plan.amount, plan.source, plan.updated_by = planned, source.strip()[:200], actor
    plan.save()
    audit_record(
        obj=plan, actor=actor, action="paradigm_plan_set", changes=diff(before, snapshot(plan, ["amount", "source"]))
    )
    return plan


# We Pulse --------------------------------------------------------------------------------------------------------


def _domain_fits(domain: WePulseDomain, organisation: Organisation, field: str) -> None:
    if domain.cpas_only and organisation.kind != OrganisationKind.CPAS:
        raise InvalidInput(
            _("The domain %(domain)s is for CPAS only: %(name)s is not a CPAS.")
            % {"domain": domain.name, "name": organisation.name},
            extra={"fields": {field: []}},
        )


@transaction.atomic
def wepulse_participant_set(
    *, actor, programme_id: int, organisation_id: int, joined: bool, joined_on: dt.date | None = None, note: str = ""
) -> WePulseParticipant:
    """Whether (and when) a commune or CPAS joined the programme."""
    _require(can_manage_wepulse(actor))
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or organisation.kind not in PARTICIPANT_KINDS:
        raise InvalidInput(_("Only communes and CPAS take part in We Pulse."), extra={"fields": {"organisation": []}})
    if joined and (joined_on is None or joined_on > timezone.localdate()):
        raise InvalidInput(
            _("Give the date the authority joined (not in the future)."), extra={"fields": {"joined_on": []}}
        )
    programme = WePulseProgramme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(_("No such programme."))
    participant, created = WePulseParticipant.objects.select_for_update().get_or_create(
        programme=programme, organisation=organisation
    )
    before = {} if created else snapshot(participant, ["joined", "joined_on", "note"])
    if participant.joined and not joined and participant.plans.exists():
        raise TransitionNotAllowed(
            _("%(name)s has financing plans: remove them before recording that it did not join.")
            % {"name": organisation.name}
        )
    if participant.joined and not joined and participant.transfers.exists():
        raise TransitionNotAllowed(
            _("Transfers to Paradigm are attributed to %(name)s: it cannot be recorded as not joined.")
            % {"name": organisation.name}
        )
    participant.joined, participant.joined_on = joined, (joined_on if joined else None)
    participant.note, participant.updated_by = note.strip()[:300], actor
    participant.save()
    changes = diff(before, snapshot(participant, ["joined", "joined_on", "note"]))
    audit_record(obj=participant, actor=actor, action="wepulse_participant_set", changes=changes)
    return participant


def participant_of(programme: WePulseProgramme, organisation: Organisation) -> WePulseParticipant:
    """The authority's participation, which a financing plan needs first (recorded joined or not)."""
    participant = programme.participants.filter(organisation=organisation).first()
    if participant is None:
        raise TransitionNotAllowed(_("Record first that %(name)s joined We Pulse.") % {"name": organisation.name})
    return participant


def _plan_loan(loan_id, participant: WePulseParticipant, plan_pk: int | None, loan_amount: Decimal):
    if not loan_id:
        return None
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None or loan.borrower_id != participant.organisation_id:
        raise InvalidInput(
            _("Choose a loan of %(name)s.") % {"name": participant.organisation.name}, extra={"fields": {"loan": []}}
        )
    others = WePulseFinancingPlan.objects.filter(loan=loan)
    if plan_pk is not None:
        others = others.exclude(pk=plan_pk)
    if others.exists():
        raise InvalidInput(_("This loan already finances another plan."), extra={"fields": {"loan": []}})
    if not 0 < loan_amount <= loan.approved_amount:
        raise InvalidInput(
            _("With a loan linked, the loan share must be above zero and at most the amount granted (%(granted)s).")
            % {"granted": format_eur(loan.approved_amount)},
            extra={"fields": {"loan_amount": []}},
        )
    return loan


@transaction.atomic
def financing_plan_set(
    *,
    actor,
    participant_id: int,
    domain_id: int,
    cost: Decimal | str,
    regional_share: Decimal | str,
    loan_amount: Decimal | str,
    own_funds: Decimal | str,
    loan_id: int | None = None,
) -> WePulseFinancingPlan:
    """An authority's plan for one domain: its cost and how it is financed. The three shares add up to the cost."""
    _require(can_manage_wepulse(actor))
    # The participant row is the lock: its plans and its leaving the programme are decided one after the other.
    participant = (
        WePulseParticipant.objects.select_for_update().select_related("organisation").filter(pk=participant_id)
    ).first()
    if participant is None:
        raise NotFound(_("No such participant."))
    domain = WePulseDomain.objects.filter(pk=domain_id, programme_id=participant.programme_id).first()
    if domain is None:
        raise InvalidInput(_("Choose a domain of the programme."), extra={"fields": {"domain": []}})
    if not participant.joined:
        raise InvalidInput(_("%(name)s has not joined We Pulse.") % {"name": participant.organisation.name})
    _domain_fits(domain, participant.organisation, "domain")
    amounts = {"cost": parse_amount(cost, "cost")}
    for field, raw in (("regional_share", regional_share), ("loan_amount", loan_amount), ("own_funds", own_funds)):
        amounts[field] = parse_amount(raw, field, zero_allowed=True)
    shares = amounts["regional_share"] + amounts["loan_amount"] + amounts["own_funds"]
    if shares != amounts["cost"]:
        raise InvalidInput(
            _("The plan does not add up: regional share, loan and own funds make %(shares)s, the cost is %(cost)s.")
            % {"shares": format_eur(shares), "cost": format_eur(amounts["cost"])},
            extra={"fields": {"cost": []}},
        )
    plan = WePulseFinancingPlan.objects.filter(participant=participant, domain=domain).first()
    before = snapshot(plan, PLAN_FIELDS) if plan else {}
    plan = plan or WePulseFinancingPlan(participant=participant, domain=domain)
    plan.loan = _plan_loan(loan_id, participant, plan.pk, amounts["loan_amount"])
    for field, value in amounts.items():
        setattr(plan, field, value)
    plan.updated_by = actor
    plan.full_clean()
    plan.save()
    changes = {"domain": domain.code, **diff(before, snapshot(plan, PLAN_FIELDS))}
    audit_record(obj=participant, actor=actor, action="wepulse_plan_set", changes=changes)
    return plan


@transaction.atomic
def financing_plan_remove(*, actor, plan_id: int) -> None:
    _require(can_manage_wepulse(actor))
    participant_id = WePulseFinancingPlan.objects.filter(pk=plan_id).values_list("participant_id", flat=True).first()
    if participant_id is None:
        raise NotFound(_("No such financing plan."))
    participant = WePulseParticipant.objects.select_for_update().get(pk=participant_id)
    plan = WePulseFinancingPlan.objects.select_related("domain").get(pk=plan_id)
    removed = {"domain": plan.domain.code, **snapshot(plan, PLAN_FIELDS)}
    plan.delete()
    audit_record(obj=participant, actor=actor, action="wepulse_plan_removed", changes=removed)
