"""The staff pages of loan applications: the filtered list, and the application page with everything recorded on
it (submissions, eligibility, analyses, the committee's opinion, the decision, the convention) and its case."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Process

from core.models import Organisation
from core.money import MoneyField
from core.permissions import can_view_audit
from core.selectors import audit_trail
from core.views.access import require_staff_permission as require
from loans.models import LoanApplication, LoanApplicationStatus, LoanProduct
from loans.selectors import loan_application_for_user, loan_applications_for_staff
from loans.services.applications import documents_present
from loans.services.capacity import capacity_of
from loans.views_staff import STAFF_PAGE_SIZE, int_or_none, label_of

VIEW = "loans.view_loanapplication"
ZERO = Decimal("0.00")
# The automatic rules of loans.services.eligibility, as readers read them.
RULE_LABELS = {
    "borrower_kind": gettext_lazy("The borrower may apply"),
    "submitted_in_time": gettext_lazy("Submitted in time"),
    "financing_share": gettext_lazy("The loan stays within the share of the cost it may finance"),
    "depreciation": gettext_lazy("The assets are depreciated long enough"),
    "required_documents": gettext_lazy("Every required document is there"),
    "borrowing_capacity": gettext_lazy("Within the borrowing capacity"),
}


def _applications(*, product_id: int | None, status: str, organisation_id: int | None) -> QuerySet[LoanApplication]:
    applications = loan_applications_for_staff().annotate(
        requested=Coalesce(Sum("projects__requested_amount"), Value(ZERO), output_field=MoneyField())
    )
    if product_id:
        applications = applications.filter(product_version__product_id=product_id)
    if status:
        applications = applications.filter(status=status)
    if organisation_id:
        applications = applications.filter(organisation_id=organisation_id)
    return applications.order_by(F("submitted_at").desc(nulls_last=True), "-created_at", "-pk")


def application_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    product_id = int_or_none(request.GET.get("product"))
    organisation_id = int_or_none(request.GET.get("borrower"))
    status = request.GET.get("status", "")
    if status not in LoanApplicationStatus.values:
        status = ""
    applications = _applications(product_id=product_id, status=status, organisation_id=organisation_id)
    context = {
        "page": Paginator(applications, STAFF_PAGE_SIZE).get_page(request.GET.get("page")),
        "product_id": product_id,
        "status": status,
        "organisation_id": organisation_id,
        "products": list(LoanProduct.objects.order_by("code").values_list("pk", "code")),
        "statuses": LoanApplicationStatus.choices,
        "organisations": list(
            Organisation.objects.filter(pk__in=LoanApplication.objects.values("organisation_id")).order_by("code")
        ),
    }
    return render(request, "staff/loans/applications/list.html", context)


def case_id_of(application: LoanApplication) -> int | None:
    """The id of the application's case (workflows' Case shares its key with viewflow's Process). Read through
    viewflow's table: loans never imports workflows."""
    content_type = ContentType.objects.get_for_model(LoanApplication)
    cases = Process.objects.filter(artifact_content_type=content_type, artifact_object_id=application.pk)
    return cases.values_list("pk", flat=True).first()


def _summary(application: LoanApplication) -> dict:
    """What templates/staff/loans/_application_summary.html needs (as the process's task pages give it)."""
    snapshots = list(application.snapshots.select_related("submitted_by").order_by("number"))
    latest = snapshots[-1] if snapshots else None
    projects = list(application.projects.all())
    specs = {item.get("code"): item for item in application.product_version.required_documents or []}
    return {
        "application": application,
        "snapshots": snapshots,
        "snapshot": latest,
        "projects": projects,
        "documents": [
            {
                "document": document,
                "label": label_of(specs.get(code)) or code,
                "project": next((p for p in projects if p.pk == project_id), None),
            }
            for (code, project_id), document in documents_present(application).items()
        ],
        "results": [
            {"label": RULE_LABELS.get(result.rule, result.rule), "passed": result.passed}
            for result in (latest.eligibility_results.all() if latest else [])
        ],
        "capacity": capacity_of(application.product_version, application.organisation),
        "analyses": list(application.analyses.select_related("analyst")),
    }


def _eligibility(application: LoanApplication) -> list[dict]:
    labels = {item.get("code"): label_of(item) for item in application.product_version.checklist or []}
    outcomes = dict(LoanApplicationStatus.choices)
    return [
        {
            "decision": decision,
            "outcome": outcomes.get(decision.outcome, decision.outcome),
            "criteria": [{**c, "label": labels.get(c.get("code")) or c.get("code")} for c in decision.criteria or []],
        }
        for decision in application.decisions.select_related("decided_by", "snapshot")
    ]


def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, VIEW)
    application = loan_application_for_user(request.user, pk)
    if application is None:
        raise Http404(_("No such loan application."))
    context = {
        **_summary(application),
        "eligibility": _eligibility(application),
        "items": list(application.session_items.select_related("session").order_by("session__held_at", "pk")),
        "decision": getattr(application, "decision", None),
        "convention": getattr(application, "convention", None),
        "loan": getattr(application, "loan", None),
        "case_id": case_id_of(application),
        "audit": list(audit_trail(application)[:50]) if can_view_audit(request.user)[0] else None,
    }
    return render(request, "staff/loans/applications/detail.html", context)
