"""The administration's staff pages, on viewflow's Material frontend."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.forms import BankAccountForm, OrganisationForm
from core.models import Organisation, OrganisationKind
from core.permissions import can_create_organisation, can_edit_organisation, can_view_audit
from core.selectors import audit_trail, organisation_for_user, organisations_for_staff
from core.services import organisations as organisation_services
from core.views.service_forms import render_form, submit

STAFF_PAGE_SIZE = 50


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("Your staff roles do not allow this page."))


def organisation_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "core.view_organisation")
    kind = request.GET.get("kind", "")
    if kind not in OrganisationKind.values:
        kind = ""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(organisations_for_staff(kind=kind, search=search), STAFF_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "kind": kind,
        "q": search,
        "kinds": OrganisationKind.choices,
        "may_create": can_create_organisation(request.user)[0],
    }
    return render(request, "staff/organisations/list.html", context)


def _organisation_or_404(request: HttpRequest, pk: int) -> Organisation:
    _require(request.user, "core.view_organisation")
    code = Organisation.objects.filter(pk=pk).values_list("code", flat=True).first()
    organisation = organisation_for_user(request.user, code) if code else None
    if organisation is None:
        raise Http404(_("No such organisation."))
    return organisation


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_or_404(request, pk)
    context = {
        "organisation": organisation,
        "memberships": organisation.prefetched_memberships,  # type: ignore[attr-defined]  # set by the selector
        "bank_accounts": list(organisation.bank_accounts.all()),
        "may_edit": can_edit_organisation(request.user, organisation)[0],
        "may_see_accounts": request.user.has_perm("core.view_bankaccount"),
        "audit": list(audit_trail(organisation)[:20]) if can_view_audit(request.user)[0] else None,
    }
    return render(request, "staff/organisations/detail.html", context)


def organisation_create(request: HttpRequest) -> HttpResponse:
    allowed, reason = can_create_organisation(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = OrganisationForm(request.POST or None)
    organisation = submit(
        request,
        form,
        lambda data: organisation_services.organisation_create(actor=request.user, **data),
        success=_("The organisation was registered."),
    )
    if organisation is not None:
        return redirect("staff:administration:organisations:detail", pk=organisation.pk)
    return render_form(request, "staff/organisations/form.html", {"form": form, "organisation": None})


def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_or_404(request, pk)
    allowed, reason = can_edit_organisation(request.user, organisation)
    if not allowed:
        raise PermissionDenied(reason)
    initial = {name: getattr(organisation, name) for name in organisation_services.ORGANISATION_FIELDS}
    form = OrganisationForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: organisation_services.organisation_update(
            actor=request.user, organisation_id=organisation.pk, **data
        ),
        success=_("The organisation was saved."),
    )
    if saved is not None:
        return redirect("staff:administration:organisations:detail", pk=organisation.pk)
    return render_form(request, "staff/organisations/form.html", {"form": form, "organisation": organisation})


def bank_account_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation_or_404(request, pk)
    form = BankAccountForm(request.POST or None)
    account = submit(
        request,
        form,
        lambda data: organisation_services.bank_account_add(
            actor=request.user, organisation_id=organisation.pk, **data
        ),
        success=_("The bank account was added."),
    )
    if account is not None:
        return redirect("staff:administration:organisations:detail", pk=organisation.pk)
    context = {"form": form, "organisation": organisation}
    return render_form(request, "staff/organisations/bank_account_form.html", context)


def history(request: HttpRequest, app_label: str, model: str, pk: str) -> HttpResponse:
    """The audit trail of any object the staff member may see."""
    allowed, reason = can_view_audit(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    content_type = get_object_or_404(ContentType, app_label=app_label, model=model)
    _require(request.user, f"{app_label}.view_{model}")
    model_class = content_type.model_class()
    if model_class is None:
        raise Http404
    obj = get_object_or_404(model_class, pk=pk)
    page = Paginator(audit_trail(obj), STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/history.html", {"object": obj, "page": page})
