import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from core.errors import TransitionNotAllowed
from finance.models import Commitment
from finance.services.commitments import commitment_create, envelope_ensure, payable_create
from tests.core.test_concurrency import run_together
from tests.factories import OrganisationFactory
from tests.factories.grants import BudgetLineFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The messages matched below are the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def envelope(db):
    return envelope_ensure(
        code="call-test", label="Test call", budget_line=BudgetLineFactory(), amount=Decimal("1000000")
    )


@pytest.mark.django_db
def test_a_commitment_within_the_envelope_and_the_same_key_twice_is_one(envelope):
    organisation = OrganisationFactory()
    first = commitment_create(
        envelope_id=envelope.pk, beneficiary=organisation, amount=Decimal("400000"), reference="A", key="award:1"
    )
    again = commitment_create(
        envelope_id=envelope.pk, beneficiary=organisation, amount=Decimal("400000"), reference="A", key="award:1"
    )
    assert first == again and Commitment.objects.count() == 1
    with pytest.raises(TransitionNotAllowed, match=re.escape("600.000,00 EUR left")):
        commitment_create(
            envelope_id=envelope.pk, beneficiary=organisation, amount=Decimal("600000.01"), reference="B", key="award:2"
        )
    with pytest.raises(TransitionNotAllowed):
        envelope_ensure(code="call-test", label="Test call", budget_line=envelope.budget_line, amount=Decimal("300000"))


@pytest.mark.django_db
def test_what_is_due_stays_within_the_commitment(envelope):
    commitment = commitment_create(
        envelope_id=envelope.pk, beneficiary=OrganisationFactory(), amount=Decimal("1000"), reference="A", key="k"
    )
    payable_create(commitment=commitment, amount=Decimal("800"), reference="A", label="Advance", key="t:1")
    with pytest.raises(TransitionNotAllowed):
        payable_create(commitment=commitment, amount=Decimal("200.01"), reference="A", label="Balance", key="t:2")
    assert payable_create(
        commitment=commitment, amount=Decimal("800"), reference="A", label="Advance", key="t:1"
    ).amount == Decimal("800.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_awards_at_the_same_moment_never_overcommit_the_envelope(require_postgres, envelope):
    organisations = [OrganisationFactory() for _ in range(20)]
    results = run_together(
        *[
            (
                lambda n=n: commitment_create(
                    envelope_id=envelope.pk,
                    beneficiary=organisations[n],
                    amount=Decimal("100000"),
                    reference=f"A{n}",
                    key=f"award:{n}",
                )
            )
            for n in range(20)
        ]
    )
    committed = [r for r in results if isinstance(r, Commitment)]
    refused = [r for r in results if isinstance(r, TransitionNotAllowed)]
    assert (len(committed), len(refused)) == (10, 10), results
    assert Commitment.objects.aggregate(total=Sum("amount"))["total"] == Decimal("1000000.00")
