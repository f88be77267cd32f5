"""Who acts for an organisation: inviting people, changing their role, removing them."""

from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Membership, MembershipRole, Organisation, User
from core.permissions import can_manage_members
from core.services.audit import audit_record
from core.services.validation import full_clean_or_raise


def _field_error(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, extra={"fields": {field: [message]}})


def _check_role(role: str) -> None:
    if role not in MembershipRole.values:
        raise _field_error("role", _("Choose a role: editor, signatory or viewer."))


def _lock_organisation(organisation_id: int, actor) -> Organisation:
    # One writer at a time per organisation: the "at least one member manages members" rule reads the other
    # memberships, so two admins demoting each other at once must not both succeed.
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    allowed, reason = can_manage_members(actor, organisation)
    if not allowed:
        raise NotPermitted(reason)
    return organisation


def _keeps_an_admin(organisation: Organisation, leaving: Membership) -> bool:
    return organisation.memberships.filter(is_admin=True).exclude(pk=leaving.pk).exists()


@transaction.atomic
def membership_invite(
    *,
    actor,
    organisation_id: int,
    email: str,
    role: str,
    is_admin: bool = False,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    organisation = _lock_organisation(organisation_id, actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _field_error("email", _("Enter a valid e-mail address.")) from None
    _check_role(role)

    user = User.objects.filter(email__iexact=email).first()
    invited = user is None
    if user is None:
        user = User(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            preferred_language=organisation.correspondence_language,
        )
        user.set_unusable_password()
        full_clean_or_raise(user, exclude=["password"])
        user.save()
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        raise _field_error("email", _("This person is already a member of this organisation."))

    membership = Membership(user=user, organisation=organisation, role=role, is_admin=is_admin)
    full_clean_or_raise(membership)
    membership.save()
    audit_record(
        obj=organisation,
        actor=actor,
        action="member_added",
        changes={"email": user.email, "role": role, "is_admin": is_admin, "invited": invited},
    )
    from core.tasks import send_membership_notice

    transaction.on_commit(partial(send_membership_notice.delay, membership_id=membership.pk, invited=invited))
    return membership


@transaction.atomic
def membership_update(*, actor, membership_id: int, role: str, is_admin: bool) -> Membership:
    organisation_id = Membership.objects.values_list("organisation_id", flat=True).get(pk=membership_id)
    organisation = _lock_organisation(organisation_id, actor)
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    _check_role(role)
    if membership.is_admin and not is_admin and not _keeps_an_admin(organisation, membership):
        raise TransitionNotAllowed(_("An organisation keeps at least one member who manages its members."))
    before = {"role": membership.role, "is_admin": membership.is_admin}
    membership.role, membership.is_admin = role, is_admin
    membership.save(update_fields=["role", "is_admin"])
    audit_record(
        obj=organisation,
        actor=actor,
        action="member_changed",
        changes={
            "email": membership.user.email,
            "role": [before["role"], role],
            "is_admin": [before["is_admin"], is_admin],
        },
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership_id: int) -> None:
    organisation_id = Membership.objects.values_list("organisation_id", flat=True).get(pk=membership_id)
    organisation = _lock_organisation(organisation_id, actor)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership_id)
    if membership.is_admin and not _keeps_an_admin(organisation, membership):
        raise TransitionNotAllowed(_("An organisation keeps at least one member who manages its members."))
    email, role = membership.user.email, membership.role
    membership.delete()
    audit_record(obj=organisation, actor=actor, action="member_removed", changes={"email": email, "role": role})
