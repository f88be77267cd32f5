"""Who may do what in core. Each check returns (allowed, reason); services enforce, pages and the API ask."""

from django.utils.translation import gettext_lazy as _

from core.models import Membership, Organisation
from core.roles import is_staff_member

Decision = tuple[bool, str]
OK: Decision = (True, "")


def _membership(user, organisation: Organisation) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    for membership in getattr(organisation, "prefetched_memberships", None) or ():
        if membership.user_id == user.pk:
            return membership
    return Membership.objects.filter(user=user, organisation=organisation).first()


def can_view_organisation(user, organisation: Organisation) -> Decision:
    if is_staff_member(user) and user.has_perm("core.view_organisation"):
        return OK
    if _membership(user, organisation) is not None:
        return OK
    return False, str(_("You are not a member of this organisation."))


def can_manage_members(user, organisation: Organisation) -> Decision:
    if is_staff_member(user) and user.has_perm("core.manage_members"):
        return OK
    membership = _membership(user, organisation)
    if membership is not None and membership.is_admin:
        return OK
    return False, str(_("Only a member who manages this organisation's members may change them."))


def can_edit_organisation(user, organisation: Organisation | None = None) -> Decision:
    """Master data (names, enterprise number, bank accounts) is kept by the administration, not by applicants:
    payments go to these accounts."""
    if is_staff_member(user) and user.has_perm("core.change_organisation"):
        return OK
    return False, str(_("Only the administration may change an organisation's master data."))


def can_create_organisation(user) -> Decision:
    if is_staff_member(user) and user.has_perm("core.add_organisation"):
        return OK
    return False, str(_("Only the administration may register an organisation."))


def can_view_audit(user) -> Decision:
    if is_staff_member(user) and user.has_perm("core.view_auditrecord"):
        return OK
    return False, str(_("Only staff may read the audit trail."))
