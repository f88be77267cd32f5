"""Who may do what with calls and applications. Each check returns (allowed, reason)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Membership, MembershipRole, Organisation
from core.roles import is_staff_member
from grants.models import Application, CallVersion

Decision = tuple[bool, str]
OK: Decision = (True, "")
PREPARERS = (MembershipRole.EDITOR, MembershipRole.SIGNATORY)


def _role(user, organisation_id: int) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, organisation_id=organisation_id).values_list("role", flat=True).first()


def can_manage_calls(user) -> Decision:
    if is_staff_member(user) and user.has_perm("grants.change_callversion"):
        return OK
    return False, _("Only call managers prepare and publish calls.")


def can_record_sessions(user) -> Decision:
    """The committee's secretary (and administrators) plan sessions and record their agenda, attendance, recusals,
    decisions and closing; committee members, call managers and auditors only read them."""
    if is_staff_member(user) and user.has_perm("grants.change_committeesession"):
        return OK
    return False, _("Only the committee's secretary records sessions.")


def can_apply(user, organisation: Organisation, version: CallVersion) -> Decision:
    if _role(user, organisation.pk) not in PREPARERS:
        return False, _("Only an editor or a signatory of the organisation prepares its applications.")
    if organisation.kind not in version.eligible_kinds:
        return False, _("This call is not open to organisations of the kind %(kind)s.") % {
            "kind": organisation.get_kind_display()
        }
    if not version.is_open(timezone.now()):
        return False, _("This call is not open.")
    return OK


def can_view_application(user, application: Application) -> Decision:
    if _role(user, application.organisation_id) is not None:
        return OK
    if is_staff_member(user) and user.has_perm("grants.view_application"):
        return OK
    return False, _("You may not see this application.")


def can_edit_application(user, application: Application) -> Decision:
    if _role(user, application.organisation_id) not in PREPARERS:
        return False, _("Only an editor or a signatory of the organisation changes its applications.")
    if not application.is_editable:
        return False, _("This application cannot be changed any more: it was submitted.")
    return OK


def can_submit(user, application: Application) -> Decision:
    if _role(user, application.organisation_id) != MembershipRole.SIGNATORY:
        return False, _("Only a signatory of the organisation submits: ask one to sign.")
    return OK


def can_prepare_justification(user, organisation_id: int) -> Decision:
    """Expense lines and the activity report of an award of the organisation."""
    if _role(user, organisation_id) not in PREPARERS:
        return False, _("Only an editor or a signatory of the organisation prepares the justification.")
    return OK


def can_claim_advance(user, organisation_id: int) -> Decision:
    """A claim commits the organisation: its signatories sign it."""
    if _role(user, organisation_id) != MembershipRole.SIGNATORY:
        return False, _("Only a signatory of the organisation signs a claim.")
    return OK


def can_submit_justification(user, organisation_id: int) -> Decision:
    if _role(user, organisation_id) != MembershipRole.SIGNATORY:
        return False, _("Only a signatory of the organisation submits the justification.")
    return OK


def can_extend_deadline(user) -> Decision:
    if is_staff_member(user) and user.has_perm("grants.extend_deadline"):
        return OK
    return False, _("Only call managers grant deadline extensions.")


def can_decide_eligibility(user) -> Decision:
    if is_staff_member(user) and user.has_perm("grants.check_eligibility"):
        return OK
    return False, _("Only eligibility officers decide eligibility.")
