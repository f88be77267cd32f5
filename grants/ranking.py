"""The ranking of a call's reviewed applications, with the consolidated scores and the stated tie rule."""

from dataclasses import dataclass

from django.db.models import Min, Prefetch

from grants.models import Application, ApplicationStatus, Call, Review, ReviewStatus
from grants.scoring import Consolidated, consolidate, rank_key

RANKED_STATUSES = [
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.REVIEWED,
    ApplicationStatus.AWARDED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.CLOSED,
]


@dataclass(frozen=True)
class RankedApplication:
    position: int
    application: Application
    consolidated: Consolidated


def call_ranking(call: Call) -> list[RankedApplication]:
    """Every application of the call that reached review, best first. One query for the applications with their
    submitted reviews, whatever their number."""
    submitted = Review.objects.filter(status=ReviewStatus.SUBMITTED)
    applications = (
        Application.objects.filter(call_version__call=call, status__in=RANKED_STATUSES)
        .select_related("call_version", "organisation")
        .annotate(first_submitted_at=Min("snapshots__submitted_at"))
        .prefetch_related(Prefetch("assignments__review", queryset=submitted))
    )
    rows = []
    for application in applications:
        grid = application.call_version.scoring_grid
        reviews = [
            assignment.review
            for assignment in application.assignments.all()
            if getattr(assignment, "review", None) is not None and assignment.review.status == ReviewStatus.SUBMITTED
        ]
        consolidated = consolidate(grid, reviews, application.call_version.divergence_margin)
        rows.append((rank_key(grid, consolidated, application.first_submitted_at), application, consolidated))
    rows.sort(key=lambda row: row[0])
    return [
        RankedApplication(position, application, consolidated)
        for position, (_key, application, consolidated) in enumerate(rows, 1)
    ]
