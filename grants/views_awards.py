"""The organisation's pages after the decision: its decision letters, the award and its tranches (a signatory claims
an advance), the justification (expense lines with their proofs, the activity report, the submission) and, after the
officer's check, each line's outcome with the balance due or the amount to recover.

Each view reads its input, calls one service of grants.services.tranches and renders; the rules are the services'.
Who may see: the organisation's members and staff allowed to see applications (grants.permissions); anyone else gets a
404, as for the application itself. A member whose action the service refuses (bad input, their role, a missing
report) sees the page again with the service's message, status 400, and nothing stored; a refusal because the state
moved on (a second click) answers 409."""

import datetime as dt
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.errors import ApplicationError, InvalidInput, TransitionNotAllowed
from core.models import Membership, MembershipRole
from core.money import format_eur
from core.uploads import ALLOWED, max_upload_bytes
from grants.models import (
    Application,
    Award,
    AwardStatus,
    ExpenseLine,
    Justification,
    JustificationStatus,
    Tranche,
)
from grants.permissions import PREPARERS
from grants.rendering import format_rate
from grants.selectors import (
    VISIBLE_AWARD,
    advance_to_claim,
    award_for_user,
    expense_line_for_user,
    justification_outcome,
    letter_for_user,
    may_see_award_of,
    tranche_for_user,
)
from grants.services.tranches import (
    expense_line_add,
    expense_line_remove,
    justification_report_set,
    justification_submit,
    tranche_claim,
)
from grants.views_files import _attachment
from grants.views_portal import _render_readonly

LINE_FIELDS = ("invoice_reference", "supplier", "amount", "paid_on")


# --- reads, scoped to who may see them (grants.selectors) -----------------------------------------------------------


def _role(user, application: Application) -> str | None:
    return (
        Membership.objects.filter(user=user, organisation_id=application.organisation_id)
        .values_list("role", flat=True)
        .first()
    )


def _award_or_404(user, award_id: int) -> Award:
    award = award_for_user(user, award_id)
    if award is None:
        raise Http404(_("No such grant."))
    return award


def _status_code(error: ApplicationError) -> int:
    return 409 if isinstance(error, TransitionNotAllowed) else 400


def _tranche_rows(award: Award, tranches: list[Tranche], role: str | None) -> list[dict[str, Any]]:
    """The tranches as shown, with the claim button on the next advance to claim (the service decides in the end)."""
    next_advance = advance_to_claim(award, tranches)
    return [
        {
            "tranche": tranche,
            "share": format_rate(tranche.share / 100),
            "claimable": tranche is next_advance,
            "may_claim": role == MembershipRole.SIGNATORY,
        }
        for tranche in tranches
    ]


def award_summary(user, application: Application) -> dict[str, Any]:
    """What the application page shows after the decision: the letters and, once committed, the award with its
    tranches. Nothing for people who see the application without being members or staff (reviewers)."""
    if not may_see_award_of(user, application):
        return {}
    award = Award.objects.filter(application=application, status__in=VISIBLE_AWARD).first()
    role = _role(user, application)
    tranches = list(award.tranches.order_by("number")) if award else []
    return {
        "letters": list(application.letters.order_by("created_at")),
        "award": award,
        "tranches": _tranche_rows(award, tranches, role) if award else [],
        "claim_refusal": _("Only a signatory of the organisation signs a claim.")
        if role != MembershipRole.SIGNATORY
        else "",
    }


# --- files: permission-checked, always as attachments ---------------------------------------------------------------


def _content_type(name: str) -> str:
    return ALLOWED.get(PurePath(name).suffix.lower(), "application/octet-stream")


@login_required
def letter_download(request: HttpRequest, letter_id: int) -> FileResponse:
    letter = letter_for_user(request.user, letter_id)
    if letter is None:
        raise Http404(_("No such letter."))
    name = f"{letter.application.reference}-{letter.kind}-{letter.language}.pdf"
    return _attachment(letter.file, name, "application/pdf")


@login_required
def expense_proof_download(request: HttpRequest, line_id: int) -> FileResponse:
    line = expense_line_for_user(request.user, line_id)
    if line is None:
        raise Http404(_("No such document."))
    return _attachment(line.proof, line.proof_name, _content_type(line.proof_name))


@login_required
def justification_report_download(request: HttpRequest, award_id: int) -> FileResponse:
    award = _award_or_404(request.user, award_id)
    justification = Justification.objects.filter(award=award).first()
    if justification is None or not justification.report:
        raise Http404(_("No such document."))
    return _attachment(justification.report, justification.report_name, _content_type(justification.report_name))


# --- the award on the application page: claiming an advance ---------------------------------------------------------


@login_required
@require_POST
def tranche_claim_view(request: HttpRequest, tranche_id: int) -> HttpResponse:
    tranche = tranche_for_user(request.user, tranche_id)
    if tranche is None:
        raise Http404(_("No such tranche."))
    application = tranche.award.application
    try:
        claimed = tranche_claim(actor=request.user, tranche_id=tranche.pk)
    except ApplicationError as error:
        # Shown on the application page itself, in this response (a message added now is rendered now).
        messages.error(request, str(error.message))
        response = _render_readonly(request, application)  # the application page, where the tranches are
        response.status_code = _status_code(error)
        return response
    messages.success(
        request,
        _("The claim for advance %(number)s is signed: %(amount)s is now due to your organisation.")
        % {"number": claimed.number, "amount": format_eur(claimed.due_amount)},
    )
    return redirect(reverse("grants:application", args=[application.pk]) + "#award")


# --- the justification page -----------------------------------------------------------------------------------------


def _page(award: Award, anchor: str = "") -> str:
    return reverse("grants:justification", args=[award.pk]) + anchor


def _justification_context(request: HttpRequest, award: Award) -> dict[str, Any]:
    role = _role(request.user, award.application)
    justification = Justification.objects.filter(award=award).first()
    lines = list(justification.lines.all()) if justification else []
    tranches = list(award.tranches.order_by("number"))
    status = JustificationStatus(justification.status if justification else JustificationStatus.DRAFT)
    draft = award.status == AwardStatus.COMMITTED and status == JustificationStatus.DRAFT
    checked = justification is not None and status == JustificationStatus.CHECKED
    return {
        "application": award.application,
        "award": award,
        "justification": justification,
        "status": status,
        "lines": lines,
        "declared_total": sum((line.amount for line in lines), Decimal("0.00")),
        "tranches": _tranche_rows(award, tranches, role),
        "checked": checked,
        "outcome": justification_outcome(justification, tranches) if justification and checked else None,
        "draft": draft,
        "member": role is not None,
        "may_edit": draft and role in PREPARERS,
        "may_submit": draft and role == MembershipRole.SIGNATORY,
        "edit_refusal": _("Only an editor or a signatory of the organisation prepares the justification."),
        "submit_refusal": _("Only a signatory of the organisation submits the justification."),
        "max_upload": max_upload_bytes(),
        "today": timezone.localdate(),
    }


def _render_justification(
    request: HttpRequest, award: Award, *, error: dict | None = None, form: dict | None = None, status: int = 200
) -> HttpResponse:
    context = {**_justification_context(request, award), "error": error, "form": form or {}}
    return render(request, "portal/grants/justification.html", context, status=status)


def _refused(
    request: HttpRequest, award: Award, error: ApplicationError, *, where: str, form: dict | None = None
) -> HttpResponse:
    """The page again, with the service's message where the action was, and the values typed (files excepted)."""
    fields = dict(error.extra.get("fields", {}))
    if "file" in fields:  # the upload check explains what is wrong with the file in its message
        fields["proof" if where == "line" else "report"] = [str(error.message)]
    shown = {"where": where, "message": str(error.message), "fields": fields}
    return _render_justification(request, award, error=shown, form=form, status=_status_code(error))


@login_required
@require_safe
def justification(request: HttpRequest, award_id: int) -> HttpResponse:
    return _render_justification(request, _award_or_404(request.user, award_id))


def _date(raw: str) -> dt.date | None:
    """A date from <input type="date"> (ISO) or as people type it (dd/mm/yyyy); None when it is neither."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    return None


@login_required
@require_POST
def expense_add(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award_or_404(request.user, award_id)
    form = {key: request.POST.get(key, "").strip() for key in LINE_FIELDS}
    paid_on = _date(form["paid_on"])
    try:
        line = expense_line_add(
            actor=request.user,
            award_id=award.pk,
            invoice_reference=form["invoice_reference"],
            supplier=form["supplier"],
            amount=form["amount"],
            paid_on=paid_on,
            proof=request.FILES.get("proof"),
        )
    except ApplicationError as error:
        return _refused(request, award, error, where="line", form={**form, "paid_on_iso": paid_on})
    messages.success(
        request,
        _("The expense line %(invoice)s (%(amount)s) was added.")
        % {"invoice": line.invoice_reference, "amount": format_eur(line.amount)},
    )
    return redirect(_page(award, "#lines"))


@login_required
@require_POST
def expense_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    line = ExpenseLine.objects.select_related("justification").filter(pk=line_id).first()
    if line is None:
        raise Http404(_("No such expense line."))
    award = _award_or_404(request.user, line.justification.award_id)
    try:
        expense_line_remove(actor=request.user, line_id=line.pk)
    except ApplicationError as error:
        return _refused(request, award, error, where="lines")
    messages.success(request, _("The expense line %(invoice)s was removed.") % {"invoice": line.invoice_reference})
    return redirect(_page(award, "#lines"))


@login_required
@require_POST
def justification_report(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award_or_404(request.user, award_id)
    upload = request.FILES.get("report")
    try:
        if upload is None:
            raise InvalidInput(_("Choose a file to send."), extra={"fields": {"report": ["missing"]}})
        saved = justification_report_set(actor=request.user, award_id=award.pk, upload=upload)
    except ApplicationError as error:
        return _refused(request, award, error, where="report")
    messages.success(request, _("The activity report %(name)s was added.") % {"name": saved.report_name})
    return redirect(_page(award, "#report"))


@login_required
@require_POST
def justification_submit_view(request: HttpRequest, award_id: int) -> HttpResponse:
    award = _award_or_404(request.user, award_id)
    try:
        justification_submit(actor=request.user, award_id=award.pk)
    except ApplicationError as error:
        return _refused(request, award, error, where="submit")
    messages.success(
        request,
        _("The justification was submitted. Brussels Local Authorities will check it and tell you the outcome."),
    )
    return redirect(_page(award))
