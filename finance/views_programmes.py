"""The staff pages of Paradigm transfers (totals per year against the plan, recording and correcting a transfer with its
documents, downloads) and of the We Pulse programme (the dashboard with its charts, the participants and their
financing plans). Views check the reader's rights, read the input, call one service and render."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.downloads import private_attachment
from core.errors import TransitionNotAllowed
from core.models import Organisation, OrganisationKind
from core.views.access import require_decision as _require_decision
from core.views.access import require_staff_permission as _require
from core.views.service_forms import submit
from finance.forms_programmes import (
    AttachmentsForm,
    CorrectionForm,
    FinancingPlanForm,
    ParticipantForm,
    PlanForm,
    TransferForm,
    int_or_none,
    new_token,
)
from finance.models import (
    BudgetLine,
    ParadigmAttachment,
    ParadigmTransfer,
    TransferPurpose,
    WePulseDomain,
    WePulseParticipant,
    WePulseProgramme,
)
from finance.services import programmes as services
from finance.services.programme_figures import transfer_figures, wepulse_dashboard
from loans.models import Loan

VIEW_TRANSFERS = "finance.view_paradigmtransfer"
VIEW_WEPULSE = "finance.view_wepulsefinancingplan"
PAGE_SIZE = 50


# Paradigm transfers ---------------------------------------------------------------------------------------------


def _transfers():
    documents = Prefetch("attachments", queryset=ParadigmAttachment.objects.order_by("uploaded_at", "pk"))
    return (
        ParadigmTransfer.objects.select_related(
            "budget_line", "created_by", "participant__organisation", "domain", "replaced_by"
        )
        .prefetch_related(documents)
        .order_by("-date", "-pk")
    )


def transfer_list(request: HttpRequest, plan_form: PlanForm | None = None) -> HttpResponse:
    _require(request.user, VIEW_TRANSFERS)
    page = Paginator(_transfers(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "years": transfer_figures(),
        "purposes": TransferPurpose.choices,
        "may_record": services.can_record_transfer(request.user)[0],
        "may_plan": services.can_plan_transfers(request.user)[0],
        "plan_form": plan_form or PlanForm(initial={"year": timezone.localdate().year}),
    }
    return render(request, "staff/finance/programmes/transfers.html", context, status=400 if plan_form else 200)


@require_POST
def plan_set(request: HttpRequest) -> HttpResponse:
    _require_decision(services.can_plan_transfers(request.user))
    form = PlanForm(request.POST)
    plan = submit(
        request,
        form,
        lambda data: services.plan_set(
            actor=request.user,
            year=data["year"],
            purpose=data["purpose"],
            amount=data["amount"],
            source=data["source"],
        ),
        success=_("The plan is saved."),
    )
    if plan is not None:
        return redirect("staff:finance:paradigm:index")
    return transfer_list(request, plan_form=form)


def _transfer_choices() -> dict[str, Any]:
    programme = WePulseProgramme.objects.order_by("start_year", "code").first()
    participants = WePulseParticipant.objects.none()
    if programme is not None:
        participants = programme.participants.filter(joined=True).select_related("organisation")
    return {
        "budget_lines": list(BudgetLine.objects.order_by("code")),
        "purposes": TransferPurpose.choices,
        "programme": programme,
        "participants": sorted(participants, key=lambda p: p.organisation.name),
        "domains": list(programme.domains.order_by("position", "code")) if programme else [],
        "max_attachments": services.MAX_ATTACHMENTS,
    }


def _transfer_fields(request: HttpRequest, data: dict) -> dict[str, Any]:
    return {
        "key": f"staff-paradigm:{data['token']}",
        "date": data["date"],
        "amount": data["amount"],
        "budget_year": data["budget_year"],
        "budget_line_id": data["budget_line"],
        "purpose": data["purpose"],
        "decision_reference": data["decision_reference"],
        "description": data["description"],
        "programme_id": int_or_none(data["programme"]),
        "participant_id": int_or_none(data["participant"]),
        "domain_id": int_or_none(data["domain"]),
        "attachments": request.FILES.getlist("attachments"),
    }


def transfer_create(request: HttpRequest) -> HttpResponse:
    _require_decision(services.can_record_transfer(request.user))
    if request.method == "POST":
        form = TransferForm(request.POST)
        transfer = submit(
            request,
            form,
            lambda data: services.transfer_record(actor=request.user, **_transfer_fields(request, data)),
            success=_("The transfer to Paradigm is recorded."),
        )
        if transfer is not None:
            return redirect("staff:finance:paradigm:detail", pk=transfer.pk)
    else:
        form = TransferForm(initial={"token": new_token(), "date": timezone.localdate()})
    context = {"form": form, "transfer": None, **_transfer_choices()}
    return render(request, "staff/finance/programmes/transfer_form.html", context, status=400 if form.errors else 200)


def transfer_correct(request: HttpRequest, pk: int) -> HttpResponse:
    _require_decision(services.can_correct_transfer(request.user))
    transfer = get_object_or_404(_transfers(), pk=pk)
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        corrected = submit(
            request,
            form,
            lambda data: services.transfer_correct(
                actor=request.user, transfer_id=transfer.pk, reason=data["reason"], **_transfer_fields(request, data)
            ),
            success=_("The correction is recorded: it replaces the transfer."),
        )
        if corrected is not None:
            return redirect("staff:finance:paradigm:detail", pk=corrected.pk)
    else:
        initial = {field: getattr(transfer, field) for field in ("date", "budget_year", "purpose", "description")}
        initial |= {"amount": str(transfer.amount), "decision_reference": transfer.decision_reference}
        initial |= {"budget_line": transfer.budget_line_id, "programme": transfer.programme_id or ""}
        initial |= {"participant": transfer.participant_id or "", "domain": transfer.domain_id or ""}
        form = CorrectionForm(initial={**initial, "token": new_token()})
    context = {"form": form, "transfer": transfer, **_transfer_choices()}
    return render(request, "staff/finance/programmes/transfer_form.html", context, status=400 if form.errors else 200)


def transfer_detail(request: HttpRequest, pk: int, attachments_form: AttachmentsForm | None = None) -> HttpResponse:
    _require(request.user, VIEW_TRANSFERS)
    transfer = get_object_or_404(_transfers().select_related("replaces", "programme"), pk=pk)
    context = {
        "transfer": transfer,
        "may_record": services.can_record_transfer(request.user)[0],
        "may_correct": services.can_correct_transfer(request.user)[0] and not hasattr(transfer, "replaced_by"),
        "attachments_form": attachments_form or AttachmentsForm(),
        "max_attachments": services.MAX_ATTACHMENTS,
    }
    status = 400 if attachments_form is not None else 200
    return render(request, "staff/finance/programmes/transfer_detail.html", context, status=status)


@require_POST
def transfer_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    _require_decision(services.can_record_transfer(request.user))
    transfer = get_object_or_404(ParadigmTransfer, pk=pk)
    form = AttachmentsForm(request.POST)
    added = submit(
        request,
        form,
        lambda _data: services.transfer_attachments_add(
            actor=request.user, transfer_id=transfer.pk, uploads=request.FILES.getlist("attachments")
        ),
        success=_("The documents are attached."),
    )
    if added is not None:
        return redirect("staff:finance:paradigm:detail", pk=transfer.pk)
    return transfer_detail(request, transfer.pk, attachments_form=form)


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    _require(request.user, "finance.view_paradigmattachment")
    attachment = ParadigmAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404(_("No such document."))
    return private_attachment(attachment.file, attachment.original_name, attachment.content_type)


# We Pulse --------------------------------------------------------------------------------------------------------


def _programme_or_404() -> WePulseProgramme:
    programme = WePulseProgramme.objects.order_by("start_year", "code").first()
    if programme is None:
        raise Http404(_("No We Pulse programme is recorded yet."))
    return programme


def wepulse_dashboard_page(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_WEPULSE)
    dashboard = wepulse_dashboard(_programme_or_404())
    context = {"dashboard": dashboard, "programme": dashboard.programme}
    return render(request, "staff/finance/programmes/wepulse.html", context)


def participant_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, VIEW_WEPULSE)
    programme = _programme_or_404()
    dashboard = wepulse_dashboard(programme)
    by_organisation = {figures.participant.organisation_id: figures for figures in dashboard.authorities}
    known = {participant.organisation_id: participant for participant in dashboard.participants}
    organisations = Organisation.objects.filter(kind__in=services.PARTICIPANT_KINDS, is_active=True)
    rows = [
        {"organisation": o, "participant": known.get(o.pk), "figures": by_organisation.get(o.pk)}
        for o in sorted(organisations, key=lambda o: (o.kind, o.name))
    ]
    context = {"programme": programme, "dashboard": dashboard, "rows": rows}
    return render(request, "staff/finance/programmes/participants.html", context)


def _authority_context(request: HttpRequest, programme: WePulseProgramme, organisation: Organisation, **failed):
    """The authority's participation, and per domain open to it its plan with the actuals (the dashboard's figures,
    so that both pages always agree)."""
    figures = next(
        (a for a in wepulse_dashboard(programme).authorities if a.participant.organisation_id == organisation.pk), None
    )
    participant = programme.participants.filter(organisation=organisation).first()
    domains = programme.domains.order_by("position", "code")
    if organisation.kind != OrganisationKind.CPAS:
        domains = domains.filter(cpas_only=False)
    participant_form = failed.pop("participant_form", None) or ParticipantForm(
        initial={
            "joined": participant.joined if participant else False,
            "joined_on": participant.joined_on if participant else None,
            "note": participant.note if participant else "",
        }
    )
    return {
        "programme": programme,
        "organisation": organisation,
        "participant": participant,
        "figures": figures,
        "rows": [{"domain": d, "plan": figures.plan_for(d) if figures else None} for d in domains],
        "loans": list(Loan.objects.filter(borrower=organisation).order_by("reference")),
        "may_manage": services.can_manage_wepulse(request.user)[0],
        "participant_form": participant_form,
        **failed,
    }


def _organisation_or_404(pk: int) -> Organisation:
    return get_object_or_404(Organisation, pk=pk, kind__in=services.PARTICIPANT_KINDS)


def authority_detail(request: HttpRequest, org_pk: int) -> HttpResponse:
    _require(request.user, VIEW_WEPULSE)
    context = _authority_context(request, _programme_or_404(), _organisation_or_404(org_pk))
    return render(request, "staff/finance/programmes/authority.html", context)


@require_POST
def participant_set(request: HttpRequest, org_pk: int) -> HttpResponse:
    _require_decision(services.can_manage_wepulse(request.user))
    programme, organisation = _programme_or_404(), _organisation_or_404(org_pk)
    form = ParticipantForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.wepulse_participant_set(
            actor=request.user,
            programme_id=programme.pk,
            organisation_id=organisation.pk,
            joined=data["joined"],
            joined_on=data["joined_on"],
            note=data["note"],
        ),
        success=_("The participation of %(name)s is saved.") % {"name": organisation.name},
    )
    if done is not None:
        return redirect("staff:finance:wepulse:authority", org_pk=organisation.pk)
    context = _authority_context(request, programme, organisation, participant_form=form)
    return render(request, "staff/finance/programmes/authority.html", context, status=400)


@require_POST
def financing_plan_set(request: HttpRequest, org_pk: int, domain_pk: int) -> HttpResponse:
    _require_decision(services.can_manage_wepulse(request.user))
    programme, organisation = _programme_or_404(), _organisation_or_404(org_pk)
    domain = get_object_or_404(WePulseDomain, pk=domain_pk, programme=programme)
    try:
        participant = services.participant_of(programme, organisation)
    except TransitionNotAllowed as refusal:
        messages.error(request, refusal.message)
        return redirect("staff:finance:wepulse:authority", org_pk=organisation.pk)
    form = FinancingPlanForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.financing_plan_set(
            actor=request.user,
            participant_id=participant.pk,
            domain_id=domain.pk,
            cost=data["cost"],
            regional_share=data["regional_share"],
            loan_amount=data["loan_amount"],
            own_funds=data["own_funds"],
            loan_id=int_or_none(data["loan"]),
        ),
        success=_("The financing plan for %(domain)s is saved.") % {"domain": domain.name},
    )
    if done is not None:
        return redirect("staff:finance:wepulse:authority", org_pk=organisation.pk)
    context = _authority_context(request, programme, organisation, plan_form=form, failed_domain=domain.pk)
    return render(request, "staff/finance/programmes/authority.html", context, status=400)


@require_POST
def financing_plan_remove(request: HttpRequest, org_pk: int, domain_pk: int) -> HttpResponse:
    _require_decision(services.can_manage_wepulse(request.user))
    programme, organisation = _programme_or_404(), _organisation_or_404(org_pk)
    participant = get_object_or_404(WePulseParticipant, programme=programme, organisation=organisation)
    plan = get_object_or_404(participant.plans, domain_id=domain_pk)
    services.financing_plan_remove(actor=request.user, plan_id=plan.pk)
    messages.success(request, _("The financing plan is removed."))
    return redirect("staff:finance:wepulse:authority", org_pk=organisation.pk)
