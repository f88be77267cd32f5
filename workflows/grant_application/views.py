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


def _assignment(request):
    from grants.models import ReviewAssignment

    assignment_id = request.activation.task.data.get("assignment_id")
    assignment = (
        ReviewAssignment.objects.filter(pk=assignment_id, reviewer=request.user).first() if assignment_id else None
    )
    if assignment is None:
        raise PermissionDenied(_("This review place is not given to you."))
    return assignment


class ReviewTaskView(View):
    """The reviewer first declares whether they have a conflict of interest; only then the application opens."""

    def _render(self, request, assignment, errors=None, status=200):
        from grants.display import text as bilingual
        from grants.models import AssignmentStatus

        application = assignment.application
        context = {"application": application, "assignment": assignment, "errors": errors or {}}
        if assignment.status == AssignmentStatus.ACTIVE:
            review = getattr(assignment, "review", None)
            context.update(_context(request, application))
            context["grid"] = [
                {
                    "code": c["code"],
                    "label": bilingual(c["label"]),
                    "weight": c["weight"],
                    "max_score": c["max_score"],
                    "min_score": c.get("min_score", 0),
                    "value": ((review.scores if review else {}).get(c["code"]) or {}),
                }
                for c in application.call_version.scoring_grid
            ]
            context["review"] = review
            return render(request, "staff/grants/review_task.html", context, status=status)
        return render(request, "staff/grants/review_declaration.html", context, status=status)

    def get(self, request, **kwargs):
        return self._render(request, _assignment(request))

    def post(self, request, **kwargs):
        from grants.models import AssignmentStatus
        from grants.services.review import conflict_declare, review_save

        assignment = _assignment(request)
        try:
            if assignment.status == AssignmentStatus.AWAITING_DECLARATION:
                conflict = request.POST.get("declaration") == "conflict"
                conflict_declare(
                    actor=request.user,
                    assignment_id=assignment.pk,
                    conflict=conflict,
                    reason=request.POST.get("reason", ""),
                    standing=bool(request.POST.get("standing")),
                )
                if conflict:
                    messages.info(
                        request, _("You stand aside from this application; its place goes back to the call manager.")
                    )
                    return redirect("staff:tasks:inbox")
                return redirect(request.path)
            scores = {
                c["code"]: {
                    "score": request.POST.get(f"score_{c['code']}", ""),
                    "comment": request.POST.get(f"comment_{c['code']}", ""),
                }
                for c in assignment.application.call_version.scoring_grid
            }
            submit = request.POST.get("action") == "submit"
            review_save(
                actor=request.user,
                assignment_id=assignment.pk,
                scores=scores,
                comment=request.POST.get("comment", ""),
                submit=submit,
            )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            assignment.refresh_from_db()
            return self._render(
                request,
                assignment,
                errors={"message": error.message, "fields": (error.extra or {}).get("fields", {})},
                status=400,
            )
        if submit:
            request.activation.execute()
            messages.success(request, _("Your review is submitted."))
            return redirect("staff:tasks:inbox")
        messages.success(request, _("Your draft review is saved."))
        return redirect(request.path)


class ApprovalsTaskView(View):
    """The approvals an award needs above its amount, recorded here; the award is committed with the last one."""

    template_name = "staff/grants/approvals_task.html"

    def _render(self, request, errors=None, status=200):
        from grants.models import AwardStatus
        from grants.services.awards import missing_levels

        application = _application(request)
        award = application.award
        context = {
            **_context(request, application),
            "award": award,
            "missing": missing_levels(award),
            "approvals": list(award.approvals.select_related("level", "recorded_by")),
            "sent_back": award.status == AwardStatus.SENT_BACK,
            "errors": errors or {},
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, **kwargs):
        return self._render(request)

    def post(self, request, **kwargs):
        import datetime as dt

        from grants.models import AwardStatus
        from grants.services.awards import approval_record, award_amend, award_send_back

        award = _application(request).award
        action = request.POST.get("action", "")
        try:
            if action == "send_back":
                award_send_back(actor=request.user, award_id=award.pk, reason=request.POST.get("reason", ""))
            elif action == "amend":
                award_amend(
                    actor=request.user,
                    award_id=award.pk,
                    amount=request.POST.get("amount", ""),
                    conditions=request.POST.get("conditions", ""),
                )
            else:
                raw_date = request.POST.get("given_on", "")
                given_on = dt.date.fromisoformat(raw_date) if raw_date else None
                approval_record(
                    actor=request.user,
                    award_id=award.pk,
                    level_id=int(request.POST.get("level", "0") or 0),
                    given_on=given_on,
                    reference=request.POST.get("reference", ""),
                )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except (ApplicationError, ValueError) as error:
            message = getattr(error, "message", _("Check the date and the amount."))
            return self._render(request, errors={"message": message}, status=400)
        award.refresh_from_db()
        if award.status == AwardStatus.COMMITTED:
            request.activation.execute()
            messages.success(
                request, _("Every approval is recorded: the grant is committed and the organisation informed.")
            )
            return redirect("staff:tasks:inbox")
        return redirect(request.path)


class JustificationTaskView(View):
    """The officer accepts or rejects each expense line with a reason; the balance or the recovery follows."""

    template_name = "staff/grants/justification_task.html"

    def _render(self, request, errors=None, status=200):
        application = _application(request)
        justification = application.award.justification
        context = {
            **_context(request, application),
            "award": application.award,
            "justification": justification,
            "lines": list(justification.lines.all()),
            "tranches": list(application.award.tranches.all()),
            "errors": errors or {},
            "posted": request.POST if request.method == "POST" else {},
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, **kwargs):
        return self._render(request)

    def post(self, request, **kwargs):
        from grants.services.tranches import justification_check

        award = _application(request).award
        decisions = {
            line.pk: {
                "status": request.POST.get(f"line_{line.pk}", ""),
                "reason": request.POST.get(f"reason_{line.pk}", ""),
            }
            for line in award.justification.lines.all()
        }
        try:
            justification_check(actor=request.user, award_id=award.pk, decisions=decisions)
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            return self._render(
                request, errors={"message": error.message, "fields": (error.extra or {}).get("fields", {})}, status=400
            )
        request.activation.execute()
        messages.success(request, _("The justification is checked."))
        return redirect("staff:tasks:inbox")
