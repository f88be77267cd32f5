"""The staff pages of loan products: the list, creating one, each version with its terms and legal basis, editing a
draft, publishing, making a new version; and the share table of a programme (import and borrowing capacities)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import OrganisationKind
from core.permissions import can_view_audit
from core.selectors import audit_trail
from core.views.access import require_decision
from core.views.access import require_staff_permission as require
from core.views.service_forms import render_form, submit
from loans.forms_staff import ProductCreateForm, ProductVersionForm, ShareTableForm, allocation_choices
from loans.models import LoanProduct, LoanProductVersion, ProductStatus
from loans.permissions import can_manage_products
from loans.portfolio import capacity_table
from loans.services import products as product_services
from loans.services.capacity import share_table_import
from loans.views_staff import LAYOUT, STAFF_PAGE_SIZE, attempt, label_of, problems_of

VIEW = "loans.view_loanproductversion"


def _products() -> QuerySet[LoanProduct]:
    """Every product with its versions newest first and its number of applications: three queries (with the
    paginator's count) whatever the number of products."""
    newest = LoanProductVersion.objects.select_related("budget_line").order_by("-number")
    return (
        LoanProduct.objects.annotate(application_count=Count("versions__applications", distinct=True))
        .prefetch_related(Prefetch("versions", queryset=newest, to_attr="newest"))
        .order_by("code")
    )


def product_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    page = Paginator(_products(), STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_manage": can_manage_products(request.user)[0]}
    return render(request, "staff/loans/products/list.html", context)


def product_create(request: HttpRequest) -> HttpResponse:
    require_decision(can_manage_products(request.user))
    form = ProductCreateForm(request.POST or None)
    version = submit(
        request,
        form,
        lambda data: product_services.product_create(actor=request.user, **data),
        success=_("The loan product was created as a draft."),
    )
    if version is not None:
        return redirect("staff:loans:products:version", pk=version.product_id, number=version.number)
    return render_form(request, "staff/loans/products/form.html", {"form": form, "layout": LAYOUT, "version": None})


def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A product opens on its newest version."""
    require(request.user, VIEW)
    number = LoanProductVersion.objects.filter(product_id=pk).order_by("-number").values_list("number", flat=True)
    if not number:
        raise Http404(_("No such loan product."))
    return redirect("staff:loans:products:version", pk=pk, number=number[0])


def _version_or_404(request: HttpRequest, pk: int, number: int) -> LoanProductVersion:
    require(request.user, VIEW)
    return get_object_or_404(
        LoanProductVersion.objects.select_related("product", "budget_line", "published_by"),
        product_id=pk,
        number=number,
    )


def _version_context(request: HttpRequest, version: LoanProductVersion, **extra) -> dict:
    documents = version.required_documents if isinstance(version.required_documents, list) else []
    checklist = version.checklist if isinstance(version.checklist, list) else []
    table, _rows = capacity_table(version.product) if version.uses_borrowing_capacity else (None, [])
    return {
        "version": version,
        "product": version.product,
        "is_draft": version.status == ProductStatus.DRAFT,
        "is_published": version.status == ProductStatus.PUBLISHED,
        "kinds": [label for value, label in OrganisationKind.choices if value in (version.eligible_kinds or [])],
        "allocation": dict(allocation_choices()).get(",".join(version.allocation_order or []), "—"),
        "documents": [
            {
                "item": item,
                "label": label_of(item),
                "required": item.get("required", True) is not False,
                "per_project": bool(item.get("per_project")),
            }
            for item in documents
            if isinstance(item, dict)
        ],
        "checklist": [{"item": item, "label": label_of(item)} for item in checklist if isinstance(item, dict)],
        "share_table": table,
        "versions": list(version.product.versions.select_related("published_by").order_by("-number")),
        "application_count": version.applications.count(),
        "may_manage": can_manage_products(request.user)[0],
        "audit": list(audit_trail(version)[:20]) if can_view_audit(request.user)[0] else None,
        "problems": [],
        **extra,
    }


def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    return render(request, "staff/loans/products/version.html", _version_context(request, version))


def version_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    require_decision(can_manage_products(request.user))
    if version.status != ProductStatus.DRAFT:
        messages.error(request, _("A published loan product cannot be changed: make a new version of it."))
        return redirect("staff:loans:products:version", pk=pk, number=number)
    initial = {name: getattr(version, name) for name in product_services.VERSION_FIELDS}
    form = ProductVersionForm(request.POST or None, initial=initial)
    saved = submit(
        request,
        form,
        lambda data: product_services.product_version_update(actor=request.user, version_id=version.pk, **data),
        success=_("The draft was saved."),
    )
    if saved is not None:
        return redirect("staff:loans:products:version", pk=pk, number=number)
    return render_form(request, "staff/loans/products/form.html", {"form": form, "layout": LAYOUT, "version": version})


@require_POST
def version_publish(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = _version_or_404(request, pk, number)
    _published, error = attempt(
        lambda: product_services.product_version_publish(actor=request.user, version_id=version.pk)
    )
    if error is not None:
        version.refresh_from_db()
        context = _version_context(request, version, publish_error=error.message, problems=problems_of(error))
        return render(request, "staff/loans/products/version.html", context, status=400)
    messages.success(request, _("The loan product is published."))
    return redirect("staff:loans:products:version", pk=pk, number=number)


@require_POST
def version_new(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    product = get_object_or_404(LoanProduct, pk=pk)
    draft, error = attempt(lambda: product_services.product_version_new(actor=request.user, product_id=product.pk))
    if error is not None:
        messages.error(request, error.message)
        return redirect("staff:loans:products:detail", pk=pk)
    messages.success(
        request, _("Version %(number)s is a draft: change it, then publish it.") % {"number": draft.number}
    )
    return redirect("staff:loans:products:version", pk=pk, number=draft.number)


# Share table and borrowing capacity ----------------------------------------------------------------------------


def _shares_context(request: HttpRequest, product: LoanProduct, **extra) -> dict:
    table, rows = capacity_table(product)
    return {
        "product": product,
        "table": table,
        "rows": rows,
        "tables": list(product.share_tables.select_related("imported_by").order_by("-imported_at", "-id")),
        "may_manage": can_manage_products(request.user)[0],
        "form": ShareTableForm(),
        "problems": [],
        **extra,
    }


def product_shares(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    product = get_object_or_404(LoanProduct, pk=pk)
    return render(request, "staff/loans/products/shares.html", _shares_context(request, product))


@require_POST
def shares_import(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    product = get_object_or_404(LoanProduct, pk=pk)
    form = ShareTableForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        _table, error = attempt(
            lambda: share_table_import(
                actor=request.user, product_id=product.pk, label=data["label"], upload=data["file"]
            )
        )
        if error is None:
            messages.success(request, _("The share table is imported: it applies from now on."))
            return redirect("staff:loans:products:shares", pk=pk)
    context = _shares_context(
        request,
        product,
        form=form,
        import_error=error.message if error else None,
        problems=problems_of(error) if error else [],
    )
    return render(request, "staff/loans/products/shares.html", context, status=400)
