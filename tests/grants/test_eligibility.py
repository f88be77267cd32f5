from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from core.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from grants.eligibility_texts import explain
from grants.models import Application, ApplicationSnapshot, ApplicationStatus, EligibilityDecision, EligibilityResult
from grants.services.eligibility import RULES, eligibility_decide, eligibility_run_automatic
from grants.services.submission import application_submit
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.grants import CallVersionFactory

pytestmark = pytest.mark.django_db
ALL_MET = {code: {"verdict": "met", "reason": ""} for code in ("applicant", "investment", "resolution")}


@pytest.fixture
def submitted(draft, signatory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application_submit(actor=signatory, application_id=draft.pk)
    draft.refresh_from_db()
    return draft


def _results(application) -> dict[str, tuple[bool, str]]:
    snapshot = application.snapshots.order_by("-number").first()
    return {r.rule: (r.passed, r.reason_code) for r in snapshot.eligibility_results.all()}


def test_the_automatic_rules_run_after_submission_and_store_a_reason_each(submitted):
    assert _results(submitted) == {
        "organisation_kind": (True, "kind_allowed"),
        "max_amount": (True, "amount_within_maximum"),
        "cofinancing": (True, "cofinancing_enough"),
        "required_documents": (True, "documents_complete"),
        "submitted_in_time": (True, "submitted_in_time"),
    }
    snapshot = submitted.snapshots.get()
    eligibility_run_automatic(snapshot_id=snapshot.pk)  # a retried task adds nothing
    assert EligibilityResult.objects.filter(snapshot=snapshot).count() == 5


def test_an_amount_above_the_maximum_and_too_little_co_financing_fail_with_their_reasons(submitted):
    # The portal refuses such answers up front; the rules still guard what reaches the officer.
    snapshot = submitted.snapshots.get()
    snapshot.answers = {
        **snapshot.answers,
        "amount_requested": "3000000.00",
        "costs": [{"label": "Hall", "amount": "3100000.00"}],
    }
    assert RULES["max_amount"](snapshot)[:2] == (False, "amount_above_maximum")
    passed, reason, params = RULES["cofinancing"](snapshot)
    assert (passed, reason) == (False, "cofinancing_too_low")
    with translation.override("en"):
        assert explain("amount_above_maximum", RULES["max_amount"](snapshot)[2]) == (
            "The amount requested (3.000.000,00 EUR) is above the maximum (2.500.000,00 EUR) or missing."
        )
        assert explain(reason, params) == "The co-financing (3,2 %) is below the minimum (20,0 %)."


def test_an_organisation_of_another_kind_fails_the_kind_rule(grant_process):
    # The portal refuses such an application up front; the rule still guards what reaches the officer.
    version = CallVersionFactory(published=True)
    application = Application.objects.create(
        call_version=version, organisation=OrganisationFactory(kind="cpas"), created_by=UserFactory()
    )
    snapshot = ApplicationSnapshot(application=application, number=1, answers={}, files=[], sha256="0" * 64)
    assert RULES["organisation_kind"](snapshot)[:2] == (False, "kind_not_allowed")


def test_an_officer_decides_eligible_and_the_organisation_is_told_in_its_members_languages(
    submitted, eligibility_officer, signatory, commune_editor, django_capture_on_commit_callbacks
):
    commune_editor.preferred_language = "nl"
    commune_editor.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = eligibility_decide(
            actor=eligibility_officer, application_id=submitted.pk, outcome="eligible", criteria=ALL_MET
        )
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.ELIGIBLE
    assert decision.criteria[0] == {"code": "applicant", "verdict": "met", "reason": ""}
    recipients = {m.to[0] for m in mail.outbox}
    assert {signatory.email, commune_editor.email} <= recipients


@pytest.mark.parametrize(
    ("outcome", "criteria", "question", "field"),
    [
        ("eligible", {**ALL_MET, "resolution": {"verdict": "not_met", "reason": "no budget line"}}, "", "outcome"),
        ("not_eligible", ALL_MET, "", "outcome"),
        ("not_eligible", {**ALL_MET, "resolution": {"verdict": "not_met", "reason": ""}}, "", "reason_resolution"),
        ("info_requested", ALL_MET, "  ", "question"),
        ("maybe", ALL_MET, "", "outcome"),
        ("eligible", {"applicant": {"verdict": "met"}}, "", "criterion_investment"),
    ],
)
def test_an_inconsistent_decision_is_refused_and_nothing_is_recorded(
    submitted, eligibility_officer, outcome, criteria, question, field
):
    with pytest.raises(InvalidInput) as error:
        eligibility_decide(
            actor=eligibility_officer,
            application_id=submitted.pk,
            outcome=outcome,
            criteria=criteria,
            question=question,
        )
    assert field in error.value.extra["fields"]
    assert not EligibilityDecision.objects.exists()
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_only_eligibility_officers_decide_and_only_on_submitted_applications(
    draft, submitted, commune_editor, eligibility_officer
):
    with pytest.raises(NotPermitted):
        eligibility_decide(actor=commune_editor, application_id=submitted.pk, outcome="eligible", criteria=ALL_MET)
    eligibility_decide(actor=eligibility_officer, application_id=submitted.pk, outcome="eligible", criteria=ALL_MET)
    with pytest.raises(TransitionNotAllowed):
        eligibility_decide(actor=eligibility_officer, application_id=submitted.pk, outcome="eligible", criteria=ALL_MET)
    assert Decimal(submitted.amount_requested) == Decimal("1000000.00")
