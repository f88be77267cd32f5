"""The loan process's staff task pages: eligibility, analysis, the Government's decision, the signed convention.
Each shows the application, calls one loans service, then completes the task."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.errors import ApplicationError, InvalidInput, NotPermitted
from core.i18n import pick
from loans.models import DecisionOutcome, LoanApplication, LoanApplicationStatus, Opinion
from loans.services.applications import documents_present
from loans.services.capacity import capacity_of
from loans.services.convention import convention_review
from loans.services.decision import loan_analysis_record, loan_decision_record
from loans.services.eligibility import loan_eligibility_decide

RULE_LABELS = {
    "borrower_kind": gettext_lazy("The borrower may apply"),
    "submitted_in_time": gettext_lazy("Submitted in time"),
    "financing_share": gettext_lazy("The loan stays within the share of the cost it may finance"),
    "depreciation": gettext_lazy("The assets are depreciated long enough"),
    "required_documents": gettext_lazy("Every required document is there"),
    "borrowing_capacity": gettext_lazy("Within the borrowing capacity"),
}


def _label(item: dict) -> str:
    label = item.get("label") or {}
    return pick(str(label.get("fr", "")), str(label.get("nl", "")))


def _application(request) -> LoanApplication:
    return LoanApplication.objects.select_related("product_version__product", "organisation").get(
        pk=request.activation.process.artifact_object_id
    )


def loan_summary(application: LoanApplication) -> dict:
    """What every step shows of the application: projects, documents, automatic checks, capacity, history."""
    snapshot = application.snapshots.order_by("-number").first()
    documents = documents_present(application)
    projects = list(application.projects.all())
    return {
        "application": application,
        "projects": projects,
        "documents": [
            {"document": doc, "label": _label(spec), "project": next((p for p in projects if p.pk == project), None)}
            for (code, project), doc in documents.items()
            for spec in application.product_version.required_documents
            if spec.get("code") == code
        ],
        "results": [
            {"label": RULE_LABELS.get(r.rule, r.rule), "passed": r.passed, "params": r.params}
            for r in (snapshot.eligibility_results.all() if snapshot else [])
        ],
        "capacity": capacity_of(application.product_version, application.organisation),
        "analyses": list(application.analyses.select_related("analyst")),
        "decisions": list(application.decisions.select_related("decided_by")),
        "checklist": [{"code": i["code"], "label": _label(i)} for i in application.product_version.checklist],
        "snapshot": snapshot,
    }


class LoanTaskView(View):
    """A task page: GET shows the application and the form; POST calls `act` and completes the task, or shows the
    refusal with nothing changed."""

    template_name = ""
    success_message: "str | Promise" = ""

    def context(self, request, application, **extra) -> dict:
        return {**loan_summary(application), "activation": request.activation, **extra}

    def get(self, request, **kwargs):
        return render(request, self.template_name, self.context(request, _application(request), errors={}, posted={}))

    def act(self, request, application) -> None:
        raise NotImplementedError

    def post(self, request, **kwargs):
        application = _application(request)
        try:
            self.act(request, application)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            errors = {"message": error.message, "fields": (error.extra or {}).get("fields", {})}
            context = self.context(request, application, errors=errors, posted=request.POST)
            return render(request, self.template_name, context, status=400)
        request.activation.execute()
        messages.success(request, self.success_message % {"ref": application.reference})
        return redirect("staff:tasks:inbox")


class LoanEligibilityTaskView(LoanTaskView):
    template_name = "staff/loans/tasks/eligibility.html"
    success_message = gettext_lazy("The eligibility of %(ref)s is decided.")

    def context(self, request, application, **extra) -> dict:
        outcomes = [
            (s.value, s.label)
            for s in (
                LoanApplicationStatus.ELIGIBLE,
                LoanApplicationStatus.NOT_ELIGIBLE,
                LoanApplicationStatus.INFO_REQUESTED,
            )
        ]
        return super().context(request, application, outcomes=outcomes, **extra)

    def act(self, request, application) -> None:
        criteria = {
            item["code"]: {
                "verdict": request.POST.get(f"criterion_{item['code']}", ""),
                "reason": request.POST.get(f"reason_{item['code']}", ""),
            }
            for item in application.product_version.checklist
        }
        loan_eligibility_decide(
            actor=request.user,
            application_id=application.pk,
            outcome=request.POST.get("outcome", ""),
            criteria=criteria,
            question=request.POST.get("question", ""),
        )


def _amounts(request, application, field: str) -> dict:
    return {p.pk: request.POST.get(f"{field}_{p.pk}", "") for p in application.projects.all()}


class LoanAnalysisTaskView(LoanTaskView):
    template_name = "staff/loans/tasks/analysis.html"
    success_message = gettext_lazy("The analysis of %(ref)s is recorded: it goes to the selection committee.")

    def context(self, request, application, **extra) -> dict:
        return super().context(request, application, opinions=Opinion.choices, **extra)

    def act(self, request, application) -> None:
        loan_analysis_record(
            actor=request.user,
            application_id=application.pk,
            financial_situation=request.POST.get("financial_situation", ""),
            projects_assessment=request.POST.get("projects_assessment", ""),
            recommendation=request.POST.get("recommendation", ""),
            amounts=_amounts(request, application, "proposed"),
        )


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(_("Give a date (dd/mm/yyyy)."), extra={"fields": {field: []}}) from None


class LoanDecisionTaskView(LoanTaskView):
    template_name = "staff/loans/tasks/decision.html"
    success_message = gettext_lazy("The Government's decision on %(ref)s is recorded.")

    def context(self, request, application, **extra) -> dict:
        return super().context(request, application, outcomes=DecisionOutcome.choices, **extra)

    def act(self, request, application) -> None:
        loan_decision_record(
            actor=request.user,
            application_id=application.pk,
            outcome=request.POST.get("outcome", ""),
            decree_reference=request.POST.get("decree_reference", ""),
            decree_date=_date(request.POST.get("decree_date", ""), "decree_date"),
            amounts=_amounts(request, application, "approved"),
            reason=request.POST.get("reason", ""),
        )


class ConventionTaskView(LoanTaskView):
    template_name = "staff/loans/tasks/convention.html"
    success_message = gettext_lazy("The signed convention of %(ref)s is checked.")

    def context(self, request, application, **extra) -> dict:
        convention = getattr(application, "convention", None)
        return super().context(request, application, convention=convention, **extra)

    def act(self, request, application) -> None:
        convention_review(
            actor=request.user,
            application_id=application.pk,
            accept=request.POST.get("verdict") == "accept",
            reason=request.POST.get("reason", ""),
        )
