"""The applicant portal: plain, accessible pages for local authorities."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import portal_hooks
from core.errors import ApplicationError, NotPermitted
from core.forms import MemberChangeForm, MemberInviteForm, ProfileForm
from core.models import Membership, MembershipRole, User
from core.permissions import can_manage_members
from core.selectors import organisation_for_user, organisations_of_user
from core.services.memberships import membership_invite, membership_remove, membership_update
from core.services.users import user_update_profile
from core.views.language import redirect_in_language
from core.views.service_forms import render_form, submit


def home(request: HttpRequest) -> HttpResponse:
    # The calls come from grants through a hook it registers at start-up: core does not import grants.
    return render(request, "portal/home.html", {"open_calls": portal_hooks.open_calls()})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    fields = ["first_name", "last_name", "phone", "preferred_language", "notification_mode"]
    form = ProfileForm(request.POST or None, initial={name: getattr(user, name) for name in fields})
    saved = submit(
        request,
        form,
        lambda data: user_update_profile(user=user, **data),
        success=_("Your profile was saved."),
    )
    if saved is not None:
        response = redirect("portal:account")
        response["Location"] = redirect_in_language(response, response["Location"], saved.preferred_language)
        return response
    return render_form(request, "portal/account.html", {"form": form})


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = list(organisations_of_user(request.user))
    if len(organisations) == 1:
        return redirect("portal:organisation", code=organisations[0].code)
    return render(request, "portal/organisations/list.html", {"organisations": organisations})


def _organisation_or_404(request: HttpRequest, code: str):
    organisation = organisation_for_user(request.user, code)
    if organisation is None:
        raise Http404(_("No such organisation."))
    return organisation


@login_required
def organisation_detail(request: HttpRequest, code: str, invite_form: MemberInviteForm | None = None) -> HttpResponse:
    organisation = _organisation_or_404(request, code)
    may_manage, _reason = can_manage_members(request.user, organisation)
    context = {
        "organisation": organisation,
        "memberships": organisation.prefetched_memberships,
        "may_manage": may_manage,
        "role_choices": MembershipRole.choices,
        "invite_form": invite_form or MemberInviteForm(),
    }
    status = 400 if invite_form is not None and invite_form.errors else 200
    return render(request, "portal/organisations/detail.html", context, status=status)


@login_required
@require_POST
def member_invite(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _organisation_or_404(request, code)
    form = MemberInviteForm(request.POST)
    membership = submit(
        request,
        form,
        lambda data: membership_invite(actor=request.user, organisation_id=organisation.pk, **data),
        success=_("%(email)s was added to the organisation.") % {"email": form.data.get("email", "").strip().lower()},
    )
    if membership is not None:
        return redirect("portal:organisation", code=code)
    return organisation_detail(request, code, invite_form=form)


def _membership_or_404(request: HttpRequest, code: str, membership_id: int) -> Membership:
    organisation = _organisation_or_404(request, code)
    membership = next((m for m in organisation.prefetched_memberships if m.pk == membership_id), None)
    if membership is None:
        raise Http404(_("No such member."))
    return membership


@login_required
@require_POST
def member_change(request: HttpRequest, code: str, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, code, membership_id)
    form = MemberChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role: editor, signatory or viewer."))
        return redirect("portal:organisation", code=code)
    try:
        membership_update(actor=request.user, membership_id=membership.pk, **form.cleaned_data)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The member's role was changed."))
    return redirect("portal:organisation", code=code)


@login_required
@require_POST
def member_remove(request: HttpRequest, code: str, membership_id: int) -> HttpResponse:
    membership = _membership_or_404(request, code, membership_id)
    try:
        membership_remove(actor=request.user, membership_id=membership.pk)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The member was removed."))
    return redirect("portal:organisation", code=code)


def health(request: HttpRequest) -> HttpResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
