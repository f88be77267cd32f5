"""The staff pages of the review half of a call: reviewers on the application page, the ranking of a call, its
dashboard, and the committee sessions (mounted in grants/urls_staff.py).

Views check the reader's rights, read the input, call one service and render; the rules are in grants.services
(review, committee), the figures in grants.ranking and grants.dashboard. Every refusal shows the service's message."""

from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.models import User
from core.views.access import require_staff_permission as _require
from core.views.service_forms import submit
from grants.dashboard import call_dashboard, current_version
from grants.display import text
from grants.models import (
    Application,
    AssignmentStatus,
    Call,
    ReviewStatus,
)
from grants.permissions import can_manage_calls
from grants.ranking import call_ranking
from grants.scoring import NA
from grants.selectors import application_for_user
from grants.services.review import free_slots, possible_reviewers, reviewers_assign


def _points(rate: Decimal | None) -> Decimal | None:
    """A score kept as a fraction (0 to 1) read out of 100, as the reviewers' grid is presented."""
    return None if rate is None else rate * 100


def _grid_labels(grid: list[dict]) -> dict[str, str]:
    return {criterion["code"]: text(criterion.get("label")) for criterion in grid}


def _person(user: User) -> str:
    return user.get_full_name() or user.email


# Reviewers of an application -----------------------------------------------------------------------------------


class ReviewerIdsField(forms.Field):
    """The people ticked in the list, as ids. Whether they may review is the service's decision, not the form's."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid": gettext_lazy("Choose reviewers from the list.")}

    def prepare_value(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else []
        return [int(item) for item in values if str(item).isdigit()]

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ReviewersForm(forms.Form):
    reviewers = ReviewerIdsField(label=gettext_lazy("Reviewers"), required=False)


def _scores(grid: list[dict], scores: dict) -> list[dict]:
    rows = []
    for criterion in grid:
        entry = scores.get(criterion["code"]) or {}
        value = entry.get("score")
        rows.append(
            {
                "label": text(criterion.get("label")),
                "na": value == NA,
                "score": Decimal(str(value)) if value not in (None, "", NA) else None,
                "max_score": criterion.get("max_score"),
                "comment": entry.get("comment", ""),
            }
        )
    return rows


def reviewers_section(user, application: Application, *, form: ReviewersForm | None = None) -> dict:
    """The Reviewers section of the application page: every assignment with its state, the submitted scores, the
    free places and, for call managers, the people who may be assigned. Recusal reasons go to call managers only."""
    may_manage = can_manage_calls(user)[0]
    grid = application.call_version.scoring_grid or []
    rows = []
    for assignment in application.assignments.select_related("reviewer", "review").order_by("assigned_at", "pk"):
        review = getattr(assignment, "review", None)
        if review is not None and review.status != ReviewStatus.SUBMITTED:
            review = None  # a draft stays the reviewer's own until they submit it
        recused = assignment.status == AssignmentStatus.RECUSED
        rows.append(
            {
                "assignment": assignment,
                "reviewer": _person(assignment.reviewer),
                "reason": assignment.recusal_reason if recused and may_manage else "",
                "review": review,
                "points": _points(review.weighted_score) if review else None,
                "scores": _scores(grid, review.scores) if review else [],
            }
        )
    free = free_slots(application)
    return {
        "rows": rows,
        "free": free,
        "may_manage": may_manage,
        "candidates": list(possible_reviewers(application)) if may_manage and free else [],
        "form": form or ReviewersForm(),
    }


@require_POST
def application_reviewers(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "grants.view_application")
    application = application_for_user(request.user, pk)
    if application is None:
        raise Http404(_("No such application."))
    form = ReviewersForm(request.POST)
    assigned = submit(
        request,
        form,
        lambda data: reviewers_assign(
            actor=request.user, application_id=application.pk, reviewer_ids=data["reviewers"]
        ),
        success=_("The reviewers are assigned: each of them first declares whether they have a conflict of interest."),
    )
    if assigned is not None:
        return redirect(reverse("staff:grants:applications:detail", args=[pk]) + "#reviewers")
    application.refresh_from_db()
    context = {"application": application, "reviewers": reviewers_section(request.user, application, form=form)}
    return render(request, "staff/grants/review/reviewers.html", context, status=400)


# Ranking and dashboard of a call -------------------------------------------------------------------------------


def _tie_rule(call: Call) -> str:
    """The tie rule of grants.scoring.rank_key, as readers read it, naming the heaviest criterion of the call's grid."""
    version = current_version(call)
    grid = (version.scoring_grid if version else None) or []
    if not grid:
        return _("Higher consolidated score first; a tie goes to the earlier submission.")
    heaviest = max(grid, key=lambda criterion: Decimal(str(criterion["weight"])))
    return _(
        "Higher consolidated score first; a tie goes to the higher mean score on the heaviest criterion "
        "(%(criterion)s), then to the earlier submission."
    ) % {"criterion": text(heaviest.get("label"))}


def _ranking_rows(call: Call) -> list[dict]:
    rows = []
    for ranked in call_ranking(call):
        application, consolidated = ranked.application, ranked.consolidated
        grid = application.call_version.scoring_grid or []
        labels = _grid_labels(grid)
        maxima = {criterion["code"]: criterion.get("max_score") for criterion in grid}
        rows.append(
            {
                "position": ranked.position,
                "application": application,
                "points": _points(consolidated.score),
                "reviews": consolidated.reviews,
                "divergent": consolidated.divergent,
                "below": [labels.get(code, code) for code in consolidated.below_threshold],
                "means": [
                    (labels.get(code, code), mean, maxima.get(code))
                    for code, mean in consolidated.criterion_means.items()
                ],
            }
        )
    return rows


def call_ranking_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "grants.view_application")
    call = get_object_or_404(Call.objects.prefetch_related("versions"), pk=pk)
    context = {"call": call, "rows": _ranking_rows(call), "tie_rule": _tie_rule(call)}
    return render(request, "staff/grants/review/ranking.html", context)


def call_dashboard_page(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "grants.view_application")
    call = get_object_or_404(Call.objects.select_related("programme"), pk=pk)
    dashboard = call_dashboard(call)
    context = {
        "call": call,
        "dashboard": dashboard,
        "top": [
            {"position": r.position, "application": r.application, "points": _points(r.consolidated.score)}
            for r in dashboard.top
        ],
    }
    return render(request, "staff/grants/review/dashboard.html", context)
