"""The grant process's staff task pages: the eligibility check, and the review step the review issue completes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.errors import ApplicationError, NotPermitted
from grants.diff import snapshot_diff
from grants.display import display_answers, text
from grants.eligibility_texts import RULE_LABELS, explain
from grants.models import EligibilityOutcome
from grants.services.applications import documents_present
from grants.services.eligibility import eligibility_decide


def _application(request):
    return request.activation.process.artifact


def _context(request, application, errors=None, posted=None) -> dict:
    snapshots = list(application.snapshots.order_by("number"))
    latest = snapshots[-1] if snapshots else None
    results = list(latest.eligibility_results.all()) if latest else []
    return {
        "application": application,
        "activation": request.activation,
        "answers": display_answers(application.call_version.form_schema, latest.answers if latest else {}),
        "documents": documents_present(application).values(),
        "results": [
            {"label": RULE_LABELS.get(r.rule, r.rule), "passed": r.passed, "reason": explain(r.reason_code, r.params)}
            for r in results
        ],
        "checklist": [
            {"code": item["code"], "label": text(item["label"])} for item in application.call_version.checklist
        ],
        "diff": snapshot_diff(snapshots[-2], snapshots[-1]) if len(snapshots) > 1 else None,
        "decisions": list(application.decisions.select_related("decided_by")),
        "outcomes": EligibilityOutcome.choices,
        "errors": errors or {},
        "posted": posted or {},
    }


class EligibilityTaskView(View):
    """The officer sees the application, the automatic results and the checklist, and decides per criterion."""

    template_name = "staff/grants/eligibility_task.html"

    def get(self, request, **kwargs):
        return render(request, self.template_name, _context(request, _application(request)))

    def post(self, request, **kwargs):
        application = _application(request)
        criteria = {
            item["code"]: {
                "verdict": request.POST.get(f"criterion_{item['code']}", ""),
                "reason": request.POST.get(f"reason_{item['code']}", ""),
            }
            for item in application.call_version.checklist
        }
        try:
            eligibility_decide(
                actor=request.user,
                application_id=application.pk,
                outcome=request.POST.get("outcome", ""),
                criteria=criteria,
                question=request.POST.get("question", ""),
            )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            fields = (error.extra or {}).get("fields", {})
            context = _context(
                request, application, errors={"message": error.message, "fields": fields}, posted=request.POST
            )
            return render(request, self.template_name, context, status=400)
        request.activation.execute()
        messages.success(request, _("The decision on %(ref)s is recorded.") % {"ref": application.reference})
        return redirect("staff:tasks:inbox")


class ReviewPendingView(View):
    """Reviews are organised by the review process (its own issue); until then this step shows the file."""

    def get(self, request, **kwargs):
        application = _application(request)
        return render(request, "staff/grants/review_pending.html", _context(request, application))
