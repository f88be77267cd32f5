"""The staff pages of loan applications: the filtered list (a fixed number of queries) and the application page
with everything recorded on it, its case and its loan; the committee's session page links to it."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from core.roles import StaffRole
from loans.models import LoanApplication, LoanApplicationStatus, LoanProject
from tests.factories import OrganisationFactory, UserFactory
from tests.loans import journey
from tests.loans.fixtures import publish_sports_product
from workflows.services.cases import case_of

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"staff:loans:applications:{name}", args=args)


def application(version, organisation, *, reference: str, status: str = "submitted", amount: str = "250000.00"):
    """An application row as the services leave it, without the files (enough for the list)."""
    created = LoanApplication.objects.create(
        product_version=version,
        organisation=organisation,
        created_by=UserFactory(),
        reference=reference,
        status=status,
        submitted_at=timezone.now() if reference else None,
    )
    LoanProject.objects.create(
        application=created,
        position=1,
        title="Piscine",
        cost=Decimal(amount),
        requested_amount=Decimal(amount),
        depreciation_years=25,
    )
    return created


def test_the_list_filters_by_product_status_and_borrower(staff_client, auditor, sports_product, commune, other_commune):
    other = publish_sports_product(code="wepulse")
    application(sports_product, commune, reference="FRBRTC-2026-SPORT2021-0001")
    application(sports_product, other_commune, reference="FRBRTC-2026-SPORT2021-0002", status="eligible")
    application(other, commune, reference="FRBRTC-2026-WEPULSE-0001", amount="1234567.89")
    application(sports_product, commune, reference="", status="draft")
    client = staff_client(auditor)

    def references(query: str) -> set[str]:
        page = client.get(url("index") + query).content.decode()
        return {ref for ref in ("SPORT2021-0001", "SPORT2021-0002", "WEPULSE-0001", "Draft no.") if ref in page}

    assert references("") == {"SPORT2021-0001", "SPORT2021-0002", "WEPULSE-0001", "Draft no."}
    assert references(f"?product={sports_product.product_id}") == {"SPORT2021-0001", "SPORT2021-0002", "Draft no."}
    assert references(f"?borrower={other_commune.pk}") == {"SPORT2021-0002"}
    assert references("?status=eligible") == {"SPORT2021-0002"}
    assert references(f"?status=submitted&borrower={commune.pk}&product={other.product_id}") == {"WEPULSE-0001"}
    assert references("?status=nonsense&product=x") == {"SPORT2021-0001", "SPORT2021-0002", "WEPULSE-0001", "Draft no."}
    assert "1.234.567,89 EUR" in client.get(url("index")).content.decode()


def test_the_list_runs_a_fixed_number_of_queries(staff_client, auditor, sports_product, django_assert_max_num_queries):
    client = staff_client(auditor)

    def add(count: int, start: int) -> None:
        for number in range(start, start + count):
            application(sports_product, OrganisationFactory(), reference=f"FRBRTC-2026-SPORT2021-{number:04d}")

    add(3, 1)
    with django_assert_max_num_queries(25) as few:
        assert client.get(url("index")).status_code == 200
    add(27, 4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("index"))
    assert response.content.decode().count("FRBRTC-2026-SPORT2021-") == 30


@pytest.fixture
def granted(
    sports_product,
    shares,
    commune,
    commune_editor,
    signatory,
    loan_analyst,
    django_capture_on_commit_callbacks,
):
    """An application taken to its active loan: submitted, eligible, analysed, given the committee's opinion,
    granted by the Government, its convention signed and accepted."""
    with django_capture_on_commit_callbacks(execute=True):
        submitted = journey.submitted(sports_product, commune, commune_editor, signatory)
        journey.analysed(journey.eligible(submitted, loan_analyst), loan_analyst)
        journey.opinion_session(submitted, reason="Projet prioritaire.")
    with django_capture_on_commit_callbacks(execute=True):
        journey.decided(submitted, loan_analyst)
    journey.active_loan(submitted, signatory, loan_analyst)
    submitted.refresh_from_db()
    return submitted


def test_the_application_page_shows_its_whole_file(staff_client, loan_analyst, granted):
    snapshot = granted.snapshots.get()
    if not snapshot.receipt:
        snapshot.receipt.save("receipt.pdf", ContentFile(journey.PDF))
    page = staff_client(loan_analyst).get(url("detail", granted.pk)).content.decode()
    assert granted.reference in page and "Commune d&#x27;Anderlecht" in page
    assert "Rénovation de la piscine" in page and "1.000.000,00 EUR" in page  # the summary: projects
    assert reverse("loans:receipt", args=[snapshot.pk]) in page  # the submission's receipt
    assert snapshot.sha256 in page
    assert "L&#x27;emprunteur est une commune bruxelloise" in page  # an eligibility criterion, labelled
    assert "Situation saine." in page  # the analysis
    assert "<td>Approved: 1.000.000,00 EUR</td>" in page  # the committee's opinion on its agenda item
    assert "Projet prioritaire." in page
    assert "AGRBC 2026/123" in page  # the Government's decision
    assert reverse("loans:convention", args=[granted.pk, "signed"]) in page
    loan = granted.loan
    assert reverse("staff:loans:loans:detail", args=[loan.pk]) in page
    case = case_of(granted)
    assert case is not None
    assert reverse("staff:tasks:case", args=[case.pk]) in page


def test_the_committee_session_links_to_the_application_page(staff_client, granted):
    item = granted.session_items.select_related("session").get()
    secretary = UserFactory(roles=[StaffRole.COMMITTEE_SECRETARY])
    with translation.override("en"):
        session_url = reverse("staff:grants:sessions:detail", args=[item.session_id])
    page = staff_client(secretary).get(session_url).content.decode()
    assert url("detail", granted.pk) in page
    assert staff_client(secretary).get(url("detail", granted.pk)).status_code == 200


def test_a_draft_shows_what_was_saved_and_unknown_ones_are_not_found(staff_client, auditor, sports_product, commune):
    draft = application(sports_product, commune, reference="", status=LoanApplicationStatus.DRAFT)
    client = staff_client(auditor)
    page = client.get(url("detail", draft.pk)).content.decode()
    assert "has not been submitted yet" in page and "Piscine" in page
    assert client.get(url("detail", draft.pk + 100)).status_code == 404


def test_staff_without_the_right_and_borrowers_are_refused(staff_client, client, commune_editor, sports_product):
    draft = application(sports_product, commune_editor.memberships.get().organisation, reference="")
    reviewer = UserFactory(roles=[StaffRole.REVIEWER])
    assert staff_client(reviewer).get(url("index")).status_code == 403
    assert staff_client(reviewer).get(url("detail", draft.pk)).status_code == 403
    client.force_login(commune_editor)
    assert client.get(url("detail", draft.pk)).status_code == 403
