"""Minutes of committee sessions (French and Dutch) and decision letters (in the organisation's language)."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import Membership, MembershipRole
from core.pdf import render_pdf
from grants.models import (
    Application,
    AwardStatus,
    CommitteeSession,
    DecisionLetter,
    ItemDecision,
    LetterKind,
    SessionStatus,
)


def minutes_make(session_id: int) -> CommitteeSession:
    """The minutes in both languages, made once when the session is closed."""
    with transaction.atomic():
        session = CommitteeSession.objects.select_for_update().get(pk=session_id)
        if session.status != SessionStatus.CLOSED:
            return session
        context = {
            "session": session,
            "items": list(
                session.items.select_related(
                    "application__organisation", "loan_application__organisation"
                ).prefetch_related("recusals__member")
            ),
            "attendance": list(session.attendance.select_related("member")),
        }
        for language, field in (("fr", "minutes_fr"), ("nl", "minutes_nl")):
            if not getattr(session, field):
                pdf = render_pdf("grants/minutes.html", context, language=language)
                getattr(session, field).save(
                    f"minutes-{session.subject_code}-{session.pk}-{language}.pdf", ContentFile(pdf), save=False
                )
        session.save(update_fields=["minutes_fr", "minutes_nl"])
        return session


def _letter_kind(application: Application) -> str | None:
    item = (
        application.session_items.filter(session__status=SessionStatus.CLOSED)
        .exclude(decision=ItemDecision.POSTPONED)
        .order_by("-decided_at")
        .first()
    )
    if item is None:
        return None
    if item.decision == ItemDecision.REJECTED:
        return LetterKind.REFUSAL
    award = getattr(application, "award", None)
    # The organisation hears of an award only once it is committed on the envelope.
    return LetterKind.AWARD if award is not None and award.status == AwardStatus.COMMITTED else None


def _recipients(application: Application) -> list[str]:
    organisation = application.organisation
    signatories = Membership.objects.filter(organisation=organisation, role=MembershipRole.SIGNATORY).values_list(
        "user__email", flat=True
    )
    return sorted({*signatories, *([organisation.email] if organisation.email else [])})


def letter_send(*, application_id: int) -> DecisionLetter | None:
    """Make the decision letter (once) and e-mail it (once). Nothing before the decision is final and committed."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("organisation", "call_version__call")
            .get(pk=application_id)
        )
        kind = _letter_kind(application)
        if kind is None:
            return None
        language = application.organisation.correspondence_language
        letter = DecisionLetter.objects.filter(application=application, kind=kind).first()
        context = {
            "application": application,
            "award": getattr(application, "award", None),
            "item": application.session_items.exclude(decision=ItemDecision.POSTPONED).order_by("-decided_at").first(),
            "language": language,
        }
        if letter is None:
            pdf = render_pdf(f"grants/letter_{kind}.html", context, language=language)
            letter = DecisionLetter(application=application, kind=kind, language=language)
            letter.file.save(f"{application.reference}-{kind}.pdf", ContentFile(pdf), save=False)
            letter.save()
        if letter.sent_at is not None:
            return letter
        with translation.override(language):
            subject = " ".join(
                render_to_string("emails/decision_letter.subject.txt", {**context, "letter": letter}).split()
            )
            text = render_to_string("emails/decision_letter.txt", {**context, "letter": letter})
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, _recipients(application))
        letter.file.open("rb")
        try:
            message.attach(f"{application.reference}.pdf", letter.file.read(), "application/pdf")
        finally:
            letter.file.close()
        letter.sent_at = timezone.now()
        letter.save(update_fields=["sent_at"])
        message.send()  # sent under the letter's lock, marked in the same transaction: a retry never sends twice
        return letter
