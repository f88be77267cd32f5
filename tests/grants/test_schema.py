from decimal import Decimal

import pytest
from django.utils import translation

from grants.schema import SchemaError, clean_answers, parse_decimal, totals, validate_schema, visible_answers
from grants.seed import FORM_SCHEMA, REQUIRED_DOCUMENTS, sample_answers

CODES = {d["code"] for d in REQUIRED_DOCUMENTS}


def test_the_seed_schema_is_valid():
    validate_schema(FORM_SCHEMA, document_codes=CODES)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234", "1234"),
        ("1 234 567,8", "1234567.8"),
        ("12.5", "12.5"),
        ("€ 3.000", "3000"),
    ],
)
def test_amounts_are_read_as_belgians_write_them(raw, value):
    assert parse_decimal(raw) == Decimal(value)


@pytest.mark.parametrize("raw", ["abc", "12a", "", "1,2,3", 1.5, True])
def test_garbage_is_not_an_amount(raw):
    with pytest.raises(ValueError):
        parse_decimal(raw)


def test_totals_and_co_financing_are_computed_on_the_server():
    answers, errors = clean_answers(FORM_SCHEMA, sample_answers(), complete=True)
    assert errors == {}
    computed = totals(FORM_SCHEMA, answers)
    assert computed["total_cost"] == Decimal("1250000.00")
    assert computed["amount_requested"] == Decimal("1000000.00")
    assert computed["cofinancing_rate"] == Decimal("0.200000")


def test_a_budget_line_with_letters_or_a_negative_amount_is_refused_per_line():
    with translation.override("en"):
        _answers, errors = clean_answers(
            FORM_SCHEMA,
            {
                "costs": [
                    {"label": "Roof", "amount": "12a"},
                    {"label": "Walls", "amount": "-5"},
                    {"label": "", "amount": ""},
                ]
            },
            complete=False,
        )
    assert set(errors) == {"costs.0.amount", "costs.1.amount"}
    assert "negative" in errors["costs.1.amount"][0]


def test_a_draft_may_be_incomplete_but_a_submission_may_not():
    assert clean_answers(FORM_SCHEMA, {"project_title": "Roof"}, complete=False)[1] == {}
    errors = clean_answers(FORM_SCHEMA, {"project_title": "Roof"}, complete=True)[1]
    assert "description" in errors and "costs" in errors and "amount_requested" in errors


def test_a_conditional_field_is_required_only_when_shown_and_dropped_when_hidden():
    answers = {**sample_answers(), "supralocal": True}
    errors = clean_answers(FORM_SCHEMA, answers, complete=True)[1]
    assert list(errors) == ["supralocal_explanation"]
    kept = visible_answers(FORM_SCHEMA, {**sample_answers(), "supralocal": False, "supralocal_explanation": "old text"})
    assert "supralocal_explanation" not in kept


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("2020-12-31", "start_date"),
        ("31/12/2026", "start_date"),
        ("-1", "users_per_week"),
        ("maybe", "supralocal"),
        ("tent", "facility_kind"),
        ("0", "amount_requested"),
    ],
)
def test_each_type_checks_its_value(value, field):
    errors = clean_answers(FORM_SCHEMA, {field: value}, complete=False)[1]
    assert list(errors) == [field]


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda s: s["sections"][0]["fields"][0].update(type="signature"), "unknown type"),
        (lambda s: s["sections"][0]["fields"][0]["label"].pop("nl"), "French and a Dutch"),
        (lambda s: s["sections"][0]["fields"].append(dict(s["sections"][0]["fields"][0])), "defined twice"),
        (lambda s: s["sections"][2]["fields"][1].pop("role"), "amount_requested"),
        (lambda s: s["sections"][1]["fields"][2]["show_if"].update(field="nothing"), "not a field"),
        (lambda s: s["sections"][2]["fields"][2].update(document="unknown"), "required documents"),
        (lambda s: s["sections"][0]["fields"][3].update(min="2030-01-01"), "minimum is above"),
        (lambda s: s.update(sections=[]), "at least one section"),
    ],
)
def test_an_invalid_schema_is_refused_with_each_problem(mutate, problem):
    import copy

    schema = copy.deepcopy(FORM_SCHEMA)
    mutate(schema)
    with translation.override("en"), pytest.raises(SchemaError) as error:
        validate_schema(schema, document_codes=CODES)
    assert any(problem in message for message in error.value.problems), error.value.problems
