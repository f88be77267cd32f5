"""Reads of committee sessions, with their joins applied: the staff pages and the API list and show them alike.

Who may read them is checked by the caller (grants.view_committeesession); who may record, by the services."""

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core.models import User
from grants.models import CommitteeSession, SessionItem, SessionStatus

MINUTES_LANGUAGES = ("fr", "nl")


def committee_members() -> QuerySet[User]:
    """Who can sit on a session: active staff holding grants.sit_on_committee through a role (the page's choices)."""
    holds = Q(groups__permissions__codename="sit_on_committee", groups__permissions__content_type__app_label="grants")
    return (
        User.objects.filter(holds, is_active=True, is_staff=True).distinct().order_by("last_name", "first_name", "pk")
    )


def committee_sessions() -> QuerySet[CommitteeSession]:
    """Every session with its call or loan product and its numbers of items and members: one query."""
    return CommitteeSession.objects.select_related("call", "loan_product").annotate(
        item_count=Count("items", distinct=True), member_count=Count("members", distinct=True)
    )


def committee_session(session_id: int) -> CommitteeSession | None:
    return CommitteeSession.objects.select_related("call", "loan_product", "secretary").filter(pk=session_id).first()


def session_items(session: CommitteeSession) -> QuerySet[SessionItem]:
    """The agenda in order, with what each item shows (subject, organisation, recusals, a loan's projects for its
    amount requested): a fixed number of queries whatever the number of items."""
    return (
        session.items.select_related(
            "application__organisation",
            "application__call_version",
            "application__award",
            "loan_application__organisation",
        )
        .prefetch_related("recusals__member", "loan_application__projects")
        .order_by("position")
    )


def minutes_file(session: CommitteeSession, language: str) -> FieldFile | None:
    """The minutes in `language` once the session is closed and they are made (after the commit), else None."""
    if language not in MINUTES_LANGUAGES or session.status != SessionStatus.CLOSED:
        return None
    minutes = getattr(session, f"minutes_{language}")
    return minutes or None


def minutes_filename(session: CommitteeSession, language: str) -> str:
    return f"minutes-{session.subject_code}-{timezone.localtime(session.held_at):%Y%m%d}-{language}.pdf"
