"""The We Pulse programme and its domains (from the sources: domain.md and the BPL activity report 2022), and demo
data for the Paradigm and We Pulse pages: participants, financing plans, the 2022 transfer to Paradigm for programme
steering ("close to four million euros", activity report 2022) and a plan for it.

The demo participants, plans, decision references and exact amounts are fictitious [to confirm]; only the programme's
period, its estimate, its domains and the order of magnitude of the 2022 transfer come from the sources.
"""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from core.models import Organisation, User
from core.pdf import render_pdf
from finance.models import BudgetLine, ParadigmTransfer, TransferPurpose, WePulseDomain, WePulseProgramme
from finance.services import programmes as services
from loans.models import Loan, LoanStatus

PROGRAMME_CODE = "wepulse"
DEMO_KEY = "demo:paradigm-2022-steering"
# (code, French name, Dutch name, CPAS only)
DOMAINS = [
    ("crm", "Gestion de la relation citoyen (CRM)", "Burgerrelatiebeheer (CRM)", False),
    ("hr-hard", "RH « hard » (administration du personnel, paie)", "Harde HR (personeelsadministratie, loon)", False),
    ("hr-soft", "RH « soft » (recrutement, formation)", "Zachte HR (werving, opleiding)", False),
    ("finance", "Finances et comptabilité", "Financiën en boekhouding", False),
    ("social", "Dossiers sociaux (CPAS)", "Sociale dossiers (OCMW)", True),
]
# Demo participants [to confirm]: (organisation code, joined on) and their plans (domain, cost, regional, loan, own).
DEMO_PARTICIPANTS = [
    ("commune-anderlecht", dt.date(2021, 3, 15)),
    ("commune-schaerbeek", dt.date(2021, 4, 1)),
    ("commune-ixelles", dt.date(2021, 6, 10)),
    ("commune-jette", dt.date(2021, 9, 20)),
    ("cpas-ixelles", dt.date(2021, 6, 10)),
    ("cpas-anderlecht", dt.date(2022, 1, 17)),
]
DEMO_NOT_JOINED = ["commune-uccle"]
LINKED_PLAN = ("commune-anderlecht", "crm")
DEMO_PLANS = [
    ("commune-anderlecht", "crm", "600000.00", "300000.00", "200000.00", "100000.00"),
    ("commune-anderlecht", "hr-hard", "450000.00", "225000.00", "0.00", "225000.00"),
    ("commune-schaerbeek", "crm", "700000.00", "350000.00", "250000.00", "100000.00"),
    ("commune-schaerbeek", "finance", "380000.00", "190000.00", "0.00", "190000.00"),
    ("commune-ixelles", "hr-soft", "250000.00", "125000.00", "0.00", "125000.00"),
    ("cpas-ixelles", "social", "520000.00", "260000.00", "160000.00", "100000.00"),
    ("cpas-anderlecht", "social", "410000.00", "205000.00", "0.00", "205000.00"),
]


@transaction.atomic
def wepulse_programme_ensure() -> WePulseProgramme:
    """The programme and its five domains: reference data, safe to run again (names are brought up to date)."""
    programme, _created = WePulseProgramme.objects.update_or_create(
        code=PROGRAMME_CODE,
        defaults={
            "name_fr": "We Pulse",
            "name_nl": "We Pulse",
            "start_year": 2021,
            "end_year": 2025,
            "estimated_budget": Decimal("70000000.00"),
            "estimated_in": 2020,
        },
    )
    for position, (code, name_fr, name_nl, cpas_only) in enumerate(DOMAINS, start=1):
        WePulseDomain.objects.update_or_create(
            programme=programme,
            code=code,
            defaults={"name_fr": name_fr, "name_nl": name_nl, "cpas_only": cpas_only, "position": position},
        )
    return programme


def _demo_pdf() -> SimpleUploadedFile:
    title = "Transfert vers Paradigm 2022 / Overdracht naar Paradigm 2022"
    content = render_pdf("documents/demo_attachment.html", {"label": "Arrêté (démo)", "title": title}, language="fr")
    return SimpleUploadedFile("arrete-paradigm-2022.pdf", content, content_type="application/pdf")


def seed_programmes() -> str:
    """The programme, and the demo once (a second run changes nothing). Returns what was done, for the command."""
    programme = wepulse_programme_ensure()
    officer = User.objects.filter(email="finance.officer@bpl.demo").first()
    if officer is None or ParadigmTransfer.objects.filter(idempotency_key=DEMO_KEY).exists():
        return "We Pulse programme present; demo transfers and plans already present (or no demo finance officer)."
    with transaction.atomic():
        _demo(programme, officer)
    return "We Pulse programme with demo participants and plans; the 2022 transfer to Paradigm and its plan."


def _demo(programme: WePulseProgramme, officer: User) -> None:
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=[c for c, _d in DEMO_PARTICIPANTS])}
    organisations |= {o.code: o for o in Organisation.objects.filter(code__in=DEMO_NOT_JOINED)}
    participants = {}
    for code, joined_on in DEMO_PARTICIPANTS:
        if code in organisations:
            participants[code] = services.wepulse_participant_set(
                actor=officer,
                programme_id=programme.pk,
                organisation_id=organisations[code].pk,
                joined=True,
                joined_on=joined_on,
                note="Démo / Demo",
            )
    for code in DEMO_NOT_JOINED:
        if code in organisations:
            services.wepulse_participant_set(
                actor=officer, programme_id=programme.pk, organisation_id=organisations[code].pk, joined=False
            )
    domains = {d.code: d for d in programme.domains.all()}
    for code, domain, cost, regional, loan, own in DEMO_PLANS:
        if code not in participants:
            continue
        participant, linked = participants[code], None
        if (code, domain) == LINKED_PLAN:
            # The demo's active FRBRTC loan of the authority, when there is one: the plan's loan share is the amount
            # granted, so that its paid drawdowns show as the loan drawn.
            linked = Loan.objects.filter(borrower=participant.organisation, status=LoanStatus.ACTIVE).first()
            if linked is not None:
                loan = str(linked.approved_amount)
                cost = str(Decimal(regional) + linked.approved_amount + Decimal(own))
        services.financing_plan_set(
            actor=officer,
            participant_id=participant.pk,
            domain_id=domains[domain].pk,
            cost=cost,
            regional_share=regional,
            loan_amount=loan,
            own_funds=own,
            loan_id=linked.pk if linked else None,
        )
    _demo_transfers(programme, participants, domains, officer)


def _demo_transfers(programme: WePulseProgramme, participants: dict, domains: dict, officer: User) -> None:
    line, _created = BudgetLine.objects.get_or_create(
        code="PARADIGM-WEPULSE",
        defaults={
            "label_fr": "Transferts vers Paradigm · We Pulse (démo)",
            "label_nl": "Overdrachten naar Paradigm · We Pulse (demo)",
        },
    )
    services.plan_set(
        actor=officer, year=2022, purpose=TransferPurpose.STEERING, amount="4000000.00", source="Démo / Demo"
    )
    services.plan_set(actor=officer, year=2023, purpose=TransferPurpose.INVESTMENTS, amount="500000.00", source="Démo")
    services.transfer_record(
        actor=officer,
        key=DEMO_KEY,
        date=dt.date(2022, 6, 30),
        amount="3950000.00",
        budget_year=2022,
        budget_line_id=line.pk,
        purpose=TransferPurpose.STEERING,
        decision_reference="DEMO-AGRBC-2022-PARADIGM",
        description="Pilotage et gestion du programme We Pulse / Sturing en beheer van het programma We Pulse",
        programme_id=programme.pk,
        attachments=[_demo_pdf()],
    )
    if "commune-anderlecht" in participants:
        services.transfer_record(
            actor=officer,
            key="demo:paradigm-2023-anderlecht-crm",
            date=dt.date(2023, 3, 31),
            amount="150000.00",
            budget_year=2023,
            budget_line_id=line.pk,
            purpose=TransferPurpose.INVESTMENTS,
            decision_reference="DEMO-AGRBC-2023-WEPULSE-01",
            programme_id=programme.pk,
            participant_id=participants["commune-anderlecht"].pk,
            domain_id=domains["crm"].pk,
        )
