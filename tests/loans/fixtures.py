"""The 2021 sports infrastructure loan programme published on frbrtc_loan@1, a share table, and loan applications
taken through the services to each stage (tests/loans/journey.py holds the steps)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import StaffRole
from finance.services.commitments import envelope_ensure
from loans.models import LoanProduct, LoanProductVersion, ShareRow, ShareTable
from loans.seed import sports_loan_fields
from loans.services.products import envelope_code
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import BudgetLineFactory


@pytest.fixture
def loan_process(db):
    from workflows.services.versions import sync_versions, version_set_state

    sync_versions()
    return version_set_state(actor=None, key="frbrtc_loan", version=1, state="current")


@pytest.fixture
def loan_analyst(db):
    return UserFactory(email="analyst@bpl.brussels", roles=[StaffRole.LOAN_ANALYST])


@pytest.fixture
def loan_analyst_nl(db):
    return UserFactory(email="analist@bpl.brussels", preferred_language="nl", roles=[StaffRole.LOAN_ANALYST])


def publish_sports_product(*, code: str = "sport2021", **overrides) -> LoanProductVersion:
    """The programme as published (pinned to frbrtc_loan@1), with its envelope, without going through the pages."""
    fields = {**sports_loan_fields(now=timezone.now()), **overrides}
    product = LoanProduct.objects.create(code=code)
    version = LoanProductVersion.objects.create(
        product=product,
        number=1,
        status="published",
        process_pin="frbrtc_loan@1",
        published_at=timezone.now(),
        budget_line=BudgetLineFactory(code="21.002.42.01.8511", label_fr="FRBRTC", label_nl="BGHGT"),
        **fields,
    )
    envelope_ensure(
        code=envelope_code(product), label=version.title_fr, budget_line=version.budget_line, amount=version.envelope
    )
    return version


@pytest.fixture
def sports_product(loan_process):
    return publish_sports_product()


def share_table(product: LoanProduct, shares: dict, *, by) -> ShareTable:
    table = ShareTable.objects.create(
        product=product, label="DGC test", source_name="test.xlsx", sha256="0" * 64, imported_by=by
    )
    ShareRow.objects.bulk_create(
        ShareRow(table=table, organisation=org, share=Decimal(share)) for org, share in shares.items()
    )
    return table


@pytest.fixture
def shares(sports_product, commune, other_commune, loan_analyst):
    """Anderlecht holds 10 % of the general grant (a cap of 5,000,000.00 on 50 M), Schaerbeek 90 %."""
    return share_table(sports_product.product, {commune: "10", other_commune: "90"}, by=loan_analyst)


@pytest.fixture
def cpas(db):
    return OrganisationFactory(
        code="cpas-anderlecht", kind="cpas", name_fr="CPAS d'Anderlecht", name_nl="OCMW Anderlecht"
    )


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)
