"""Who may do what with loan products, applications and loans. Each check returns (allowed, reason)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Membership, MembershipRole, Organisation
from core.roles import is_staff_member
from loans.models import LoanApplication, LoanProductVersion

Decision = tuple[bool, str]
OK: Decision = (True, "")
PREPARERS = (MembershipRole.EDITOR, MembershipRole.SIGNATORY)


def member_role(user, organisation_id: int) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, organisation_id=organisation_id).values_list("role", flat=True).first()


def _staff_with(user, permission: str) -> bool:
    return is_staff_member(user) and user.has_perm(permission)


def can_manage_products(user) -> Decision:
    if _staff_with(user, "loans.change_loanproductversion"):
        return OK
    return False, _("Only loan analysts prepare and publish loan products.")


def can_apply(user, organisation: Organisation, version: LoanProductVersion) -> Decision:
    if member_role(user, organisation.pk) not in PREPARERS:
        return False, _("Only an editor or a signatory of the organisation prepares its loan applications.")
    if organisation.kind not in version.eligible_kinds:
        return False, _("This loan is not open to organisations of the kind %(kind)s.") % {
            "kind": organisation.get_kind_display()
        }
    if not version.is_open(timezone.now()):
        return False, _("Applications for this loan are not open.")
    return OK


def can_view_application(user, application: LoanApplication) -> Decision:
    if member_role(user, application.organisation_id) is not None:
        return OK
    if _staff_with(user, "loans.view_loanapplication"):
        return OK
    return False, _("You may not see this loan application.")


def can_edit_application(user, application: LoanApplication) -> Decision:
    if member_role(user, application.organisation_id) not in PREPARERS:
        return False, _("Only an editor or a signatory of the organisation changes its loan applications.")
    if not application.is_editable:
        return False, _("This loan application cannot be changed any more: it was submitted.")
    return OK


def can_sign_for(user, organisation_id: int) -> Decision:
    """Submitting, sending the signed convention and asking for a drawdown commit the borrower: signatories only."""
    if member_role(user, organisation_id) != MembershipRole.SIGNATORY:
        return False, _("Only a signatory of the organisation can do this: ask one to sign.")
    return OK


def can_analyse(user) -> Decision:
    if _staff_with(user, "loans.analyse_loan"):
        return OK
    return False, _("Only loan analysts do this.")


def can_record_repayment(user) -> Decision:
    if _staff_with(user, "loans.record_repayment"):
        return OK
    return False, _("Only loan analysts and finance officers record repayments.")


def can_write_off(user) -> Decision:
    if _staff_with(user, "loans.write_off_loan"):
        return OK
    return False, _("Only those entitled to record write-offs can do this.")
