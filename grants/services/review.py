"""Reviewers: suggested and assigned by the call manager, gated by a conflict-of-interest declaration, scoring."""

from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from core.models import Membership, User
from core.services.audit import audit_record
from core.services.notifications import notify
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Review,
    ReviewAssignment,
    ReviewStatus,
    StandingConflict,
)
from grants.permissions import can_manage_calls
from grants.scoring import NA, below_thresholds, weighted_score
from grants.signals import review_slot_changed

OPEN = (AssignmentStatus.AWAITING_DECLARATION, AssignmentStatus.ACTIVE)


def possible_reviewers(application: Application):
    """Staff who may review: the right role, not a member of the applicant, no declared conflict with it, not on it
    already. Fewest open reviews first, to balance the work."""
    linked = Membership.objects.filter(organisation_id=application.organisation_id).values("user_id")
    conflicted = StandingConflict.objects.filter(organisation_id=application.organisation_id).values("user_id")
    on_it = ReviewAssignment.objects.filter(application=application).values("reviewer_id")
    holds = Q(groups__permissions__codename="review_application", groups__permissions__content_type__app_label="grants")
    return (
        User.objects.filter(holds, is_active=True, is_staff=True)
        .exclude(pk__in=linked)
        .exclude(pk__in=conflicted)
        .exclude(pk__in=on_it)
        .annotate(
            open_reviews=Count("review_assignments", filter=Q(review_assignments__status__in=OPEN), distinct=True)
        )
        .order_by("open_reviews", "last_name", "first_name", "pk")
        .distinct()
    )


def free_slots(application: Application) -> int:
    taken = application.assignments.exclude(status=AssignmentStatus.RECUSED).count()
    return max(application.call_version.reviewers_per_application - taken, 0)


@transaction.atomic
def reviewers_assign(*, actor, application_id: int, reviewer_ids: list[int]) -> list[ReviewAssignment]:
    allowed, reason = can_manage_calls(actor)
    if not allowed:
        raise NotPermitted(reason)
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("call_version").get(pk=application_id)
    )
    if application.status not in (ApplicationStatus.ELIGIBLE, ApplicationStatus.UNDER_REVIEW):
        raise TransitionNotAllowed(_("Reviewers are assigned to eligible applications."))
    chosen = list(dict.fromkeys(reviewer_ids))
    if not chosen:
        raise InvalidInput(_("Choose at least one reviewer."), extra={"fields": {"reviewers": []}})
    if len(chosen) > free_slots(application):
        raise InvalidInput(
            _("This application has %(free)s free reviewer place(s).") % {"free": free_slots(application)},
            extra={"fields": {"reviewers": []}},
        )
    allowed_ids = set(possible_reviewers(application).filter(pk__in=chosen).values_list("pk", flat=True))
    refused = [pk for pk in chosen if pk not in allowed_ids]
    if refused:
        names = ", ".join(str(u) for u in User.objects.filter(pk__in=refused))
        raise InvalidInput(
            _(
                "These people may not review this application "
                "(role, link with the applicant, or a declared conflict): %(names)s."
            )
            % {"names": names},
            extra={"fields": {"reviewers": []}},
        )
    assignments = [
        ReviewAssignment.objects.create(application=application, reviewer_id=pk, assigned_by=actor) for pk in chosen
    ]
    before = application.status
    application.status = ApplicationStatus.UNDER_REVIEW
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        obj=application,
        actor=actor,
        action="reviewers_assigned",
        from_state=before,
        to_state=application.status,
        changes={"reviewers": [a.reviewer.email for a in assignments]},
    )
    for assignment in assignments:
        notify(
            recipient=assignment.reviewer,
            key=f"review-assigned:{assignment.pk}",
            template="review_assigned",
            context={"assignment": assignment, "application": application},
            url="",
        )
        transaction.on_commit(partial(review_slot_changed.send, sender=ReviewAssignment, assignment_id=assignment.pk))
    return assignments


def _own_assignment(actor, assignment_id: int) -> ReviewAssignment:
    assignment = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("application__call_version")
        .get(pk=assignment_id)
    )
    if assignment.reviewer_id != actor.pk:
        raise NotPermitted(_("This review is assigned to someone else."))
    return assignment


@transaction.atomic
def conflict_declare(
    *, actor, assignment_id: int, conflict: bool, reason: str = "", standing: bool = False
) -> ReviewAssignment:
    """Before seeing anything of the application, the reviewer declares. A conflict recuses them and frees the place."""
    assignment = _own_assignment(actor, assignment_id)
    if assignment.status != AssignmentStatus.AWAITING_DECLARATION:
        raise TransitionNotAllowed(_("You have declared already for this application."))
    now = timezone.now()
    assignment.declared_at = now
    if conflict:
        if not reason.strip():
            raise InvalidInput(_("Say briefly what the conflict is."), extra={"fields": {"reason": []}})
        assignment.status = AssignmentStatus.RECUSED
        assignment.recusal_reason = reason.strip()[:2000]
        if standing:
            StandingConflict.objects.get_or_create(
                user=actor,
                organisation_id=assignment.application.organisation_id,
                defaults={"reason": assignment.recusal_reason},
            )
    else:
        assignment.status = AssignmentStatus.ACTIVE
    assignment.save(update_fields=["status", "declared_at", "recusal_reason"])
    audit_record(
        obj=assignment.application,
        actor=actor,
        action="conflict_declared" if conflict else "no_conflict_declared",
        # The reason stays on the assignment, for the call manager; the trail only says a conflict was declared.
        changes={"reviewer": actor.email},
    )
    if conflict:
        transaction.on_commit(partial(review_slot_changed.send, sender=ReviewAssignment, assignment_id=assignment.pk))
    return assignment


def _checked_scores(grid: list[dict], raw: dict, *, complete: bool) -> dict:
    scores: dict[str, dict] = {}
    errors: dict[str, list[str]] = {}
    for criterion in grid:
        code = criterion["code"]
        entry = raw.get(code) or {}
        value = str(entry.get("score", "")).strip().replace(",", ".")
        comment = str(entry.get("comment", "")).strip()[:4000]
        if value.lower() == NA:
            scores[code] = {"score": NA, "comment": comment}
        elif value == "":
            if complete:
                errors[f"score_{code}"] = [_("Give a score or n/a.")]
            scores[code] = {"score": None, "comment": comment}
        else:
            try:
                number = Decimal(value)
                if not number.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                errors[f"score_{code}"] = [_("A score is a number or n/a.")]
                continue
            if not Decimal("0") <= number <= Decimal(str(criterion["max_score"])):
                errors[f"score_{code}"] = [
                    _("The score must be between 0 and %(max)s.") % {"max": criterion["max_score"]}
                ]
                continue
            scores[code] = {"score": value, "comment": comment}
    if complete and scores and all(s["score"] == NA for s in scores.values()):
        errors["scores"] = [_("At least one criterion must be scored.")]
    if errors:
        raise InvalidInput(_("Some scores are not valid: nothing was saved."), extra={"fields": errors})
    return scores


@transaction.atomic
def review_save(*, actor, assignment_id: int, scores: dict, comment: str = "", submit: bool = False) -> Review:
    assignment = _own_assignment(actor, assignment_id)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise TransitionNotAllowed(_("Declare first that you have no conflict of interest."))
    grid = assignment.application.call_version.scoring_grid
    checked = _checked_scores(grid, scores, complete=submit)
    review, _created = Review.objects.select_for_update().get_or_create(assignment=assignment)
    if review.status == ReviewStatus.SUBMITTED:
        raise TransitionNotAllowed(_("This review was submitted already."))
    review.scores = checked
    review.comment = comment.strip()[:8000]
    review.weighted_score = weighted_score(grid, checked)
    review.below_threshold = below_thresholds(grid, checked)
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = timezone.now()
        assignment.status = AssignmentStatus.DONE
        assignment.save(update_fields=["status"])
        audit_record(
            obj=assignment.application, actor=actor, action="review_submitted", changes={"reviewer": actor.email}
        )
    review.save()
    if submit:
        _mark_reviewed(assignment.application)
    return review


def _mark_reviewed(application: Application) -> None:
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("call_version").get(pk=application.pk)
    )
    done = application.assignments.filter(status=AssignmentStatus.DONE).count()
    if (
        done >= application.call_version.reviewers_per_application
        and application.status == ApplicationStatus.UNDER_REVIEW
    ):
        application.status = ApplicationStatus.REVIEWED
        application.save(update_fields=["status", "updated_at"])
        audit_record(
            obj=application,
            actor=None,
            action="reviews_complete",
            from_state=ApplicationStatus.UNDER_REVIEW,
            to_state=application.status,
        )
