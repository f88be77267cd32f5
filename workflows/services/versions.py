"""The lifecycle of process versions: publish, freeze, retire. Audited; refused when it would strand cases."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS

from core.errors import NotPermitted, TransitionNotAllowed
from core.roles import is_staff_member
from core.services.audit import audit_record
from workflows import registry
from workflows.models import Case, ProcessVersion, VersionState

ALLOWED = {
    VersionState.DRAFT: {VersionState.CURRENT, VersionState.RETIRED},
    VersionState.CURRENT: {VersionState.FROZEN, VersionState.RETIRED},
    VersionState.FROZEN: {VersionState.CURRENT, VersionState.RETIRED},
    VersionState.RETIRED: set(),
}
ACTIVE_PROCESS = [PROCESS.NEW]  # viewflow keeps a running process NEW until it is DONE or CANCELED


def version_row(registered: registry.RegisteredVersion) -> ProcessVersion:
    """The database row of a registered version, created as a draft the first time it is seen."""
    row, _created = ProcessVersion.objects.get_or_create(
        key=registered.key, version=registered.version, defaults={"flow_ref": registered.flow_ref}
    )
    return row


def sync_versions() -> int:
    """Make sure every registered version has its row. Returns how many were created."""
    before = ProcessVersion.objects.count()
    for registered in registry.all_versions():
        version_row(registered)
    return ProcessVersion.objects.count() - before


def cases_in_flight(version: ProcessVersion) -> int:
    return Case.objects.filter(process_version=version, status__in=ACTIVE_PROCESS).count()


@transaction.atomic
def version_set_state(*, actor, key: str, version: int, state: str) -> ProcessVersion:
    """Move a version to `state`. `actor` None means an operator at the command line."""
    if actor is not None and not (is_staff_member(actor) and actor.has_perm("workflows.migrate_cases")):
        raise NotPermitted(_("Only an administrator may change process versions."))
    registered = registry.get(key, version)
    row = ProcessVersion.objects.select_for_update().get(pk=version_row(registered).pk)
    target = VersionState(state)
    if target not in ALLOWED[VersionState(row.state)]:
        raise TransitionNotAllowed(
            _("%(pin)s cannot go from %(from)s to %(to)s.")
            % {"pin": row.label, "from": row.get_state_display(), "to": target.label}
        )
    if target == VersionState.RETIRED and (count := cases_in_flight(row)):
        raise TransitionNotAllowed(
            _("%(pin)s still has %(count)s case(s) in flight: migrate or finish them first.")
            % {"pin": row.label, "count": count}
        )
    before = row.state
    if target == VersionState.CURRENT and not row.published_at:
        row.published_at = timezone.now()
        row.graph_fingerprint = registered.fingerprint()
    row.state = target
    row.save(update_fields=["state", "published_at", "graph_fingerprint", "changed_at"])
    audit_record(obj=row, actor=actor, action="version_state_changed", from_state=before, to_state=target)
    return row
