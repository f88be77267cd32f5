"""Preparing, publishing and re-versioning calls for projects."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.services.audit import audit_record
from core.services.validation import full_clean_or_raise
from core.versioning import content_hash, process_pin
from grants.call_validation import publication_problems
from grants.models import Call, CallStatus, CallVersion
from grants.permissions import can_manage_calls

PROCESS_KEY = "grant_application"
VERSION_FIELDS = [
    "title_fr",
    "title_nl",
    "text_fr",
    "text_nl",
    "budget_line",
    "envelope",
    "eligible_kinds",
    "max_amount",
    "min_cofinancing_rate",
    "opens_at",
    "closes_at",
    "grace_minutes",
    "required_documents",
    "form_schema",
    "eligibility_rules",
    "checklist",
    "scoring_grid",
    "tranche_plan",
    "reviewers_per_application",
    "divergence_margin",
]


def process_pin_for_new_call() -> str:
    """The key@version a call published now runs on (the newest current version of the grant process)."""
    return process_pin(PROCESS_KEY)


def _require_manager(actor) -> None:
    allowed, reason = can_manage_calls(actor)
    if not allowed:
        raise NotPermitted(reason)


@transaction.atomic
def call_create(*, actor, code: str, programme, **fields) -> CallVersion:
    _require_manager(actor)
    if Call.objects.filter(code=code).exists():
        raise InvalidInput(_("A call with this code exists already."), extra={"fields": {"code": []}})
    call = Call(code=code, programme=programme)
    full_clean_or_raise(call)
    call.save()
    version = CallVersion(call=call, number=1, **fields)
    full_clean_or_raise(version)
    version.save()
    audit_record(obj=version, actor=actor, action="call_created", to_state=CallStatus.DRAFT)
    return version


@transaction.atomic
def call_version_update(*, actor, version_id: int, **fields) -> CallVersion:
    _require_manager(actor)
    version = CallVersion.objects.select_for_update().get(pk=version_id)
    if version.status != CallStatus.DRAFT:
        raise TransitionNotAllowed(_("A published call cannot be changed: make a new version of it."))
    unknown = set(fields) - set(VERSION_FIELDS)
    if unknown:
        raise TypeError(f"unknown call fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(version, name, value)
    full_clean_or_raise(version)
    version.save()
    return version


@transaction.atomic
def call_version_publish(*, actor, version_id: int) -> CallVersion:
    _require_manager(actor)
    call_id = CallVersion.objects.values_list("call_id", flat=True).get(pk=version_id)
    # Lock the call: two versions published at once would leave two published versions.
    Call.objects.select_for_update().get(pk=call_id)
    version = CallVersion.objects.select_for_update().get(pk=version_id)
    if version.status != CallStatus.DRAFT:
        raise TransitionNotAllowed(_("This version was published already."))
    full_clean_or_raise(version)
    problems = publication_problems(version)
    if problems:
        raise InvalidInput(
            _("The call cannot be published yet: %(count)s problem(s).") % {"count": len(problems)},
            extra={"problems": problems},
        )
    version.process_pin = process_pin_for_new_call()
    superseded = CallVersion.objects.filter(call_id=call_id, status=CallStatus.PUBLISHED)
    for old in superseded:
        audit_record(
            obj=old, actor=actor, action="call_superseded", from_state=old.status, to_state=CallStatus.SUPERSEDED
        )
    superseded.update(status=CallStatus.SUPERSEDED)
    version.status = CallStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.content_hash = content_hash(version, VERSION_FIELDS)
    version.save()
    audit_record(
        obj=version,
        actor=actor,
        action="call_published",
        from_state=CallStatus.DRAFT,
        to_state=CallStatus.PUBLISHED,
        changes={"process": version.process_pin, "sha256": version.content_hash},
    )
    return version


@transaction.atomic
def call_version_new(*, actor, call_id: int) -> CallVersion:
    """A new draft version, copied from the newest one. Returns the existing draft if there is one."""
    _require_manager(actor)
    call = Call.objects.select_for_update().get(pk=call_id)
    latest = call.versions.order_by("-number").first()
    if latest is None:
        raise TransitionNotAllowed(_("This call has no version to copy."))
    if latest.status == CallStatus.DRAFT:
        return latest
    copy = CallVersion(call=call, number=latest.number + 1, **{name: getattr(latest, name) for name in VERSION_FIELDS})
    full_clean_or_raise(copy)
    copy.save()
    audit_record(obj=copy, actor=actor, action="call_version_created", changes={"from": latest.number})
    return copy
