"""The portal pages where a person lists, creates and revokes their API tokens (under "My account")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api.forms import TokenCreateForm
from api.permissions import can_create_token
from api.selectors import tokens_of_user
from api.services import token_create, token_revoke
from core.errors import ApplicationError, NotFound, NotPermitted
from core.forms import apply_service_error


def _verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    verified = _verified(request)
    allowed, refusal = can_create_token(request.user, second_factor_verified=verified)
    form = TokenCreateForm(request.POST or None)
    created = secret = None
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(refusal)
        if form.is_valid():
            try:
                created, secret = token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=form.expires_at(),
                    second_factor_verified=verified,
                )
            except NotPermitted as error:
                raise PermissionDenied(error.message) from None
            except ApplicationError as error:
                apply_service_error(form, error)
            else:
                form = TokenCreateForm()
    context = {
        "tokens": list(tokens_of_user(request.user)),
        "form": form,
        "can_create": allowed,
        "refusal": refusal,
        "created": created,
        "secret": secret,  # shown in this answer only; never stored
    }
    status = 400 if form.errors else 200
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = token_revoke(token_id=token_id, actor=request.user)
    except NotFound:
        raise Http404(_("No such token.")) from None
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
