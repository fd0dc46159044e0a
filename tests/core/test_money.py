"""Decimal strings at the edge, integer minor units inside: exact, never rounded."""

from decimal import Decimal

import pytest

from core.money import CURRENCY_EXPONENTS, MoneyError, currency_exponent, to_major, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("12", "EUR", 1200),
        ("0.01", "EUR", 1),
        (" 7.00 ", "USD", 700),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        ("0.001", "BHD", 1),
        ("3", "TND", 3000),
        (Decimal("12.50"), "EUR", 1250),
        (Decimal("1E+2"), "EUR", 10000),
        (42, "EUR", 4200),
        ("999999999999999.99", "EUR", 99999999999999999),
    ],
)
def test_to_minor_is_exact(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("12.501", "EUR"),
        ("1.5", "JPY"),
        ("1.0", "JPY"),  # even a zero decimal is more precision than JPY has
        ("0.0001", "KWD"),
        ("1.2345678", "EUR"),
    ],
)
def test_too_many_decimals_is_refused_not_rounded(amount, currency):
    with pytest.raises(MoneyError) as caught:
        to_minor(amount, currency)
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    "amount",
    ["-1", "-0.01", "0", "0.00", "", " ", "abc", "1e3", "1,5", "1.", ".5", "+1", "NaN", "Infinity", "1 000",
     "0x10", "１２", "١٢", "1.2.3", "1234567890123456", None, Decimal("-1"), Decimal("NaN"), -5],
)  # fmt: skip
def test_negative_zero_and_garbage_are_refused(amount):
    with pytest.raises(MoneyError) as caught:
        to_minor(amount, "EUR")
    assert caught.value.field == "amount"


def test_zero_is_allowed_only_when_asked():
    assert to_minor("0.00", "EUR", allow_zero=True) == 0
    with pytest.raises(MoneyError):
        to_minor("-0.00", "EUR", allow_zero=True)


@pytest.mark.parametrize("currency", ["XXX", "eur", "EURO", "", None, 978])
def test_unknown_currency_is_refused_naming_the_currency_field(currency):
    with pytest.raises(MoneyError) as caught:
        to_minor("1.00", currency)
    assert caught.value.field == "currency"
    with pytest.raises(MoneyError):
        to_major(100, currency)
    with pytest.raises(MoneyError):
        currency_exponent(currency)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1250, "EUR", "12.50"),
        (1, "EUR", "0.01"),
        (0, "EUR", "0.00"),
        (-5, "EUR", "-0.05"),
        (1500, "JPY", "1500"),
        (-7, "JPY", "-7"),
        (1234, "KWD", "1.234"),
        (1, "BHD", "0.001"),
        (10**17 + 1, "EUR", "1000000000000000.01"),
    ],
)
def test_to_major(minor, currency, text):
    assert to_major(minor, currency) == text


@pytest.mark.parametrize("currency", sorted(CURRENCY_EXPONENTS))
def test_round_trip_for_every_currency(currency):
    for minor in (1, 7, 10, 999, 123456789):
        assert to_minor(to_major(minor, currency), currency) == minor


def test_exponent_table_has_the_odd_ones_right():
    assert {c: CURRENCY_EXPONENTS[c] for c in ("EUR", "JPY", "KRW", "CLP", "KWD", "BHD", "JOD", "OMR", "TND")} == {
        "EUR": 2, "JPY": 0, "KRW": 0, "CLP": 0, "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3,
    }  # fmt: skip
