"""The committee's staff pages: sessions, attendance, recusals, decisions, closing, minutes."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, NotPermitted
from core.views.service_forms import render_form, submit
from grants.forms_staff import BrusselsDateTimeField, MoneyInputField
from grants.models import (
    Call,
    CommitteeSession,
    ItemDecision,
    SessionItem,
    SessionStatus,
)
from grants.permissions import can_record_sessions
from grants.selectors_committee import (
    committee_members,
    committee_session,
    committee_sessions,
    minutes_file,
    minutes_filename,
    session_items,
)
from grants.services import committee
from grants.views_files import _attachment
from grants.views_review import ReviewerIdsField, _person, _require
from loans.models import LoanProduct

MINUTES_LANGUAGES = {"fr": "Français", "nl": "Nederlands"}  # each language named in itself

# Committee sessions --------------------------------------------------------------------------------------------


def _may_record(user) -> bool:
    """Whether to offer the secretary's forms; grants.services.committee decides what they may actually do."""
    return can_record_sessions(user)[0]


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_full_name()} ({obj.email})" if obj.get_full_name() else obj.email


def session_subjects() -> list[tuple[str, str]]:
    """What a session can be about: a call for projects (its applications) or a loan product (its loan
    applications, on which the committee gives an opinion)."""
    calls = [
        (f"call:{pk}", _("Call for projects %(code)s") % {"code": code})
        for pk, code in Call.objects.order_by("code").values_list("pk", "code")
    ]
    products = [
        (f"loan:{pk}", _("FRBRTC loans %(code)s") % {"code": code})
        for pk, code in LoanProduct.objects.order_by("code").values_list("pk", "code")
    ]
    return [("", "—"), *calls, *products]


class SessionForm(forms.Form):
    subject = forms.ChoiceField(label=gettext_lazy("On the applications of"), choices=session_subjects)
    held_at = BrusselsDateTimeField(label=gettext_lazy("Date and time"), help_text=gettext_lazy("Brussels time."))
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    members = MemberChoices(
        label=gettext_lazy("Members"), queryset=committee_members(), widget=forms.CheckboxSelectMultiple
    )
    quorum = forms.IntegerField(
        label=gettext_lazy("Quorum"), help_text=gettext_lazy("Members who must take part for a decision to be valid.")
    )


class MemberIdsField(ReviewerIdsField):
    default_error_messages = {"invalid": gettext_lazy("Choose members from the list.")}


class AttendanceForm(forms.Form):
    present = MemberIdsField(label=gettext_lazy("Present"), required=False)


class RecusalForm(forms.Form):
    member = forms.IntegerField(label=gettext_lazy("Member"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=[("", "—"), *ItemDecision.choices], required=False
    )
    amount = MoneyInputField(label=gettext_lazy("Amount granted"), required=False)
    conditions = forms.CharField(label=gettext_lazy("Conditions"), max_length=8000, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=8000, required=False)


def session_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "grants.view_committeesession")
    call_id = request.GET.get("call", "")
    sessions = committee_sessions().order_by("call__code", "loan_product__code", "-held_at", "-pk")
    if call_id.isdigit():
        sessions = sessions.filter(call_id=int(call_id))
    context = {
        "sessions": list(sessions),
        "calls": list(Call.objects.order_by("code").values_list("pk", "code")),
        "call_id": int(call_id) if call_id.isdigit() else None,
        "may_record": _may_record(request.user),
    }
    return render(request, "staff/grants/review/session_list.html", context)


def session_create_page(request: HttpRequest) -> HttpResponse:
    _require(request.user, "grants.view_committeesession")
    if not _may_record(request.user):
        raise PermissionDenied(_("Only the committee's secretary records sessions."))
    call, product = request.GET.get("call", ""), request.GET.get("product", "")
    initial = (
        {"subject": f"call:{call}"} if call.isdigit() else {"subject": f"loan:{product}"} if product.isdigit() else None
    )
    form = SessionForm(request.POST or None, initial=initial)
    session = submit(
        request,
        form,
        lambda data: committee.session_create(
            actor=request.user,
            call_id=_subject_id(data["subject"], "call"),
            loan_product_id=_subject_id(data["subject"], "loan"),
            held_at=data["held_at"],
            place=data["place"],
            member_ids=[member.pk for member in data["members"]],
            quorum=data["quorum"],
        ),
        success=_("The session is planned: build its agenda from the ranking."),
    )
    if session is not None:
        return redirect("staff:grants:sessions:detail", pk=session.pk)
    return render_form(request, "staff/grants/review/session_form.html", {"form": form})


def _subject_id(value: str, kind: str) -> int | None:
    prefix, _sep, pk = value.partition(":")
    return int(pk) if prefix == kind and pk.isdigit() else None


def _subject_url(item: SessionItem) -> str:
    if item.application_id:
        return reverse("staff:grants:applications:detail", args=[item.application_id])
    return reverse("staff:loans:applications:detail", args=[item.loan_application_id])


def _form_messages(form: forms.Form) -> list[str]:
    return [str(message) for messages_ in form.errors.values() for message in messages_]


def _session_context(request: HttpRequest, session: CommitteeSession, **failed: Any) -> dict:
    """The session page. `failed` holds what a refused action leaves on it: `error` (a message for the session's
    own forms), or the bound `decision_form` / `recusal_form` of item `item_id`."""
    members = list(session.members.order_by("last_name", "first_name", "pk"))
    present = dict(session.attendance.values_list("member_id", "present"))
    present_ids = {member_id for member_id, is_present in present.items() if is_present}
    may_record = session.status == SessionStatus.PLANNED and _may_record(request.user)
    items = list(session_items(session))
    rows = []
    for item in items:
        own = failed.get("item_id") == item.pk
        decision_form = failed.get("decision_form") if own else None
        recusal_form = failed.get("recusal_form") if own else None
        taking_part = committee.voting_members(item, present_ids)  # the count item_decide checks the quorum against
        rows.append(
            {
                "item": item,
                "url": _subject_url(item),
                "taking_part": taking_part,
                "short_of_quorum": taking_part < session.quorum,
                "errors": _form_messages(failed_form) if (failed_form := decision_form or recusal_form) else [],
                "decision_form": decision_form
                or DecisionForm(
                    initial={"decision": item.decision, "amount": item.decided_amount or item.proposed_amount}
                ),
                "recusal_form": recusal_form,
            }
        )
    return {
        "session": session,
        "members": [{"user": m, "name": _person(m), "present": present.get(m.pk)} for m in members],
        "attendance_recorded": bool(present),
        "present_count": sum(1 for value in present.values() if value),
        "items": rows,
        "may_record": may_record,
        "error": failed.get("error"),
        "decisions": ItemDecision.choices,
        "minutes": [
            (code, name, bool(getattr(session, f"minutes_{code}"))) for code, name in MINUTES_LANGUAGES.items()
        ],
    }


def _session_or_404(request: HttpRequest, pk: int) -> CommitteeSession:
    _require(request.user, "grants.view_committeesession")
    session = committee_session(pk)
    if session is None:
        raise Http404(_("No such session."))
    return session


def _render_session(request: HttpRequest, session: CommitteeSession, status: int = 200, **failed: Any) -> HttpResponse:
    context = _session_context(request, session, **failed)
    return render(request, "staff/grants/review/session.html", context, status=status)


def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_session(request, _session_or_404(request, pk))


def _session_action(request: HttpRequest, session: CommitteeSession, action, *, success) -> HttpResponse:
    """Run a service on the session; a refusal is shown on the page, where nothing changed."""
    try:
        result = action()
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        return _render_session(request, session, status=error.status_code, error=error.message)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("staff:grants:sessions:detail", pk=session.pk)


@require_POST
def session_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    return _session_action(
        request,
        session,
        lambda: committee.agenda_from_ranking(actor=request.user, session_id=session.pk),
        success=lambda items: (
            ngettext(
                "%(count)s application was put on the agenda, in ranking order.",
                "%(count)s applications were put on the agenda, in ranking order.",
                len(items),
            )
            % {"count": len(items)}
        ),
    )


@require_POST
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    form = AttendanceForm(request.POST)
    if not form.is_valid():
        return _render_session(request, session, status=400, error=" ".join(_form_messages(form)))
    return _session_action(
        request,
        session,
        lambda: committee.attendance_record(
            actor=request.user, session_id=session.pk, present_ids=form.cleaned_data["present"]
        ),
        success=_("The attendance is recorded."),
    )


@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(request, pk)
    return _session_action(
        request,
        session,
        lambda: committee.session_close(actor=request.user, session_id=session.pk),
        success=_("The session is closed: its decisions are final. The minutes and the letters follow."),
    )


def _item_or_404(request: HttpRequest, item_pk: int) -> SessionItem:
    _require(request.user, "grants.view_committeesession")
    return get_object_or_404(
        SessionItem.objects.select_related(
            "session__call", "session__loan_product", "session__secretary", "application", "loan_application"
        ),
        pk=item_pk,
    )


@require_POST
def item_recusal(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item_or_404(request, item_pk)
    form = RecusalForm(request.POST)
    recusal = submit(
        request,
        form,
        lambda data: committee.recusal_record(
            actor=request.user, item_id=item.pk, member_id=data["member"], reason=data["reason"]
        ),
        success=_("The member stands aside on this item."),
    )
    if recusal is not None:
        return redirect(reverse("staff:grants:sessions:detail", args=[item.session_id]) + f"#item-{item.pk}")
    return _render_session(request, item.session, status=400, item_id=item.pk, recusal_form=form)


@require_POST
def item_decision(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item_or_404(request, item_pk)
    form = DecisionForm(request.POST)
    decided = submit(
        request,
        form,
        lambda data: committee.item_decide(
            actor=request.user,
            item_id=item.pk,
            decision=data["decision"],
            amount=data["amount"],
            conditions=data["conditions"],
            reason=data["reason"],
        ),
        success=_("The decision on %(reference)s is recorded.") % {"reference": str(item.subject)},
    )
    if decided is not None:
        return redirect(reverse("staff:grants:sessions:detail", args=[item.session_id]) + f"#item-{item.pk}")
    return _render_session(request, item.session, status=400, item_id=item.pk, decision_form=form)


def session_minutes(request: HttpRequest, pk: int, language: str) -> FileResponse:
    session = _session_or_404(request, pk)
    minutes = minutes_file(session, language)
    if minutes is None:
        raise Http404(_("No such minutes."))
    return _attachment(minutes, minutes_filename(session, language), "application/pdf")
