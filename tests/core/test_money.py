from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from core.money import cents_to_int, format_eur, split_evenly, to_cents


def test_it_rounds_half_up_to_the_cent():
    assert to_cents("2.345") == Decimal("2.35")
    assert to_cents("-2.345") == Decimal("-2.35")
    assert to_cents(7) == Decimal("7.00")


def test_it_refuses_floats_and_garbage():
    with pytest.raises(TypeError):
        to_cents(0.1)
    with pytest.raises(TypeError):
        to_cents(True)
    with pytest.raises(ValueError):
        to_cents("12,50")
    with pytest.raises(ValueError):
        to_cents("NaN")


@given(
    total=st.decimals(min_value=Decimal("0"), max_value=Decimal("999999999999.99"), places=2),
    parts=st.integers(min_value=1, max_value=240),
)
def test_split_parts_always_sum_to_the_total(total, parts):
    shares = split_evenly(total, parts)
    assert len(shares) == parts
    assert sum(shares, Decimal("0")) == total
    assert all(share == share.quantize(Decimal("0.01")) for share in shares)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234567.891"), "1.234.567,89 EUR"),
        ("1234.5", "1.234,50 EUR"),
        (0, "0,00 EUR"),
        ("-15000", "-15.000,00 EUR"),
        ("999", "999,00 EUR"),
    ],
)
def test_amounts_display_the_brussels_way(value, shown):
    assert format_eur(value) == shown


def test_integer_cents_for_payment_files():
    assert cents_to_int(Decimal("67215.71")) == 6721571


def test_no_model_stores_money_or_anything_else_as_a_float():
    floats = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []
