"""The We Pulse programme with its domains, a budget line for Paradigm, authorities that joined, documents, and an
active FRBRTC loan of the commune (taken through the loan services) for the loan actuals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core.roles import StaffRole
from finance.seed_programmes import wepulse_programme_ensure
from finance.services import programmes as services
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product

PDF = journey.PDF
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "decision.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def messages_in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def programme(db):
    return wepulse_programme_ensure()


@pytest.fixture
def domains(programme) -> dict:
    return {domain.code: domain for domain in programme.domains.all()}


@pytest.fixture
def paradigm_line(db):
    return BudgetLineFactory(code="25.001.34.01.4140", label_fr="Dotation à Paradigm", label_nl="Dotatie aan Paradigm")


@pytest.fixture
def finance_approver(db):
    return UserFactory(email="approver@bpl.brussels", roles=[StaffRole.FINANCE_APPROVER])


@pytest.fixture
def cpas_ixelles(db):
    return OrganisationFactory(code="cpas-ixelles", kind="cpas", name_fr="CPAS d'Ixelles", name_nl="OCMW Elsene")


def join(programme, organisation, actor, on: dt.date = dt.date(2021, 3, 1)):
    return services.wepulse_participant_set(
        actor=actor, programme_id=programme.pk, organisation_id=organisation.pk, joined=True, joined_on=on
    )


@pytest.fixture
def commune_joined(programme, commune, finance_officer):
    return join(programme, commune, finance_officer)


@pytest.fixture
def cpas_joined(programme, cpas_ixelles, finance_officer):
    return join(programme, cpas_ixelles, finance_officer)


def transfer(actor, line, *, key: str, amount: str = "1000.00", year: int = 2022, purpose: str = "steering", **kw):
    values = {
        "date": dt.date(year, 6, 30),
        "amount": amount,
        "budget_year": year,
        "budget_line_id": line.pk,
        "purpose": purpose,
        "decision_reference": f"AGRBC {year}/{key}",
        **kw,
    }
    return services.transfer_record(actor=actor, key=key, **values)


def plan(actor, participant, domain, cost="100000.00", regional="50000.00", loan="0.00", own="50000.00", **kw):
    return services.financing_plan_set(
        actor=actor,
        participant_id=participant.pk,
        domain_id=domain.pk,
        cost=cost,
        regional_share=regional,
        loan_amount=loan,
        own_funds=own,
        **kw,
    )


@pytest.fixture
def commune_loan(loan_process, commune, commune_editor, signatory, loan_analyst, django_capture_on_commit_callbacks):
    """An active FRBRTC loan of 300,000.00 to the commune, nothing drawn yet."""
    version = publish_sports_product(code="wepulse-it", rate=Decimal("0.020000"), uses_borrowing_capacity=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = journey.submitted(
            version, commune, commune_editor, signatory, projects=[journey.project(cost="300000", requested="300000")]
        )
        journey.analysed(journey.eligible(application, loan_analyst), loan_analyst)
        journey.opinion_session(application)
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(application, loan_analyst)
    return journey.active_loan(application, signatory, loan_analyst)


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)
