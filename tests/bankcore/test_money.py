from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcore.money import CURRENCY_EXPONENTS, MAX_MINOR, Money, MoneyError, exponent

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
minors = st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR)


class TestCurrencies:
    @pytest.mark.parametrize(("code", "exp"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("USD", 2)])
    def test_exponent_follows_iso_4217(self, code: str, exp: int) -> None:
        assert exponent(code) == exp

    @pytest.mark.parametrize("code", ["XXX", "XAU", "eur", "EURO", "", "ANG"])
    def test_inactive_or_malformed_codes_are_refused(self, code: str) -> None:
        with pytest.raises(MoneyError) as refused:
            Money(1, code)
        assert refused.value.code == "unknown_currency"


class TestParsing:
    @pytest.mark.parametrize(
        ("text", "currency", "minor"),
        [
            ("12.50", "EUR", 1250),
            ("12.5", "EUR", 1250),
            ("12", "EUR", 1200),
            ("-0.05", "EUR", -5),
            ("1000", "JPY", 1000),
            ("1.234", "KWD", 1234),
            (" 7.10 ", "USD", 710),
            ("+3", "EUR", 300),
            ("1.500", "EUR", 150),
            ("0", "EUR", 0),
        ],
    )
    def test_decimal_strings(self, text: str, currency: str, minor: int) -> None:
        assert Money.of(text, currency) == Money(minor, currency)

    @pytest.mark.parametrize("text", ["1.005", "12,50", "1e3", "abc", "", "1.2.3", "NaN", "--1", ".5"])
    def test_malformed_or_too_precise_strings_are_refused(self, text: str) -> None:
        with pytest.raises(MoneyError):
            Money.of(text, "EUR")

    @pytest.mark.parametrize(
        "text",
        [
            "\u0661\u0662.\u0665\u0660",  # Arabic-Indic digits: "12.50" to the eye
            "\uff11\uff12.\uff15\uff10",  # fullwidth
            "\u0967\u0968",  # Devanagari
            "1\u0662.50",  # one foreign digit among ASCII ones
        ],
    )
    def test_only_ascii_digits_are_amounts(self, text: str) -> None:
        # int() and \d read any script's digits; an amount that is not what the reviewer sees is refused.
        with pytest.raises(MoneyError) as refused:
            Money.of(text, "EUR")
        assert refused.value.code == "invalid_amount"

    def test_floats_are_refused_everywhere(self) -> None:
        with pytest.raises(TypeError):
            Money.of(12.5, "EUR")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Money(12.5, "EUR")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Money(100, "EUR") * 1.5  # type: ignore[operator]

    def test_decimal_and_int_major_units(self) -> None:
        assert Money.of(Decimal("0.10"), "EUR").minor == 10
        assert Money.of(3, "JPY").minor == 3
        assert Money.of(3, "KWD").minor == 3000

    def test_beyond_bigint_is_refused(self) -> None:
        with pytest.raises(MoneyError) as refused:
            Money(MAX_MINOR + 1, "EUR")
        assert refused.value.code == "amount_out_of_range"

    @given(minor=minors, currency=currencies)
    def test_format_then_parse_is_identity(self, minor: int, currency: str) -> None:
        money = Money(minor, currency)
        assert Money.of(money.to_decimal_string(), currency) == money
        assert Money.of(money.amount, currency) == money

    @given(minor=minors, currency=currencies)
    def test_string_has_exactly_the_currency_decimals(self, minor: int, currency: str) -> None:
        text = Money(minor, currency).to_decimal_string()
        decimals = len(text.partition(".")[2])
        assert decimals == exponent(currency)


class TestArithmetic:
    def test_same_currency(self) -> None:
        assert Money(150, "EUR") + Money(50, "EUR") == Money(200, "EUR")
        assert Money(150, "EUR") - Money(200, "EUR") == Money(-50, "EUR")
        assert -Money(5, "EUR") == Money(-5, "EUR")
        assert Money(5, "EUR") * 3 == Money(15, "EUR")
        assert Money(5, "EUR") < Money(6, "EUR")

    def test_mixed_currencies_are_refused(self) -> None:
        with pytest.raises(MoneyError) as refused:
            Money(1, "EUR") + Money(1, "USD")
        assert refused.value.code == "currency_mismatch"
        with pytest.raises(MoneyError):
            Money(1, "EUR") < Money(1, "USD")  # noqa: B015

    def test_format_groups_thousands(self) -> None:
        assert Money(123456789, "EUR").format() == "1,234,567.89 EUR"
        assert Money(-1000000, "JPY").format() == "-1,000,000 JPY"
        assert str(Money(5, "KWD")) == "0.005 KWD"


class TestAllocate:
    def test_splits_a_cent_without_losing_it(self) -> None:
        assert Money(100, "EUR").allocate([1, 1, 1]) == [Money(34, "EUR"), Money(33, "EUR"), Money(33, "EUR")]
        assert Money(5, "EUR").allocate([3, 7]) == [Money(2, "EUR"), Money(3, "EUR")]

    @pytest.mark.parametrize("ratios", [[], [0, 0], [-1, 2]])
    def test_bad_ratios_are_refused(self, ratios: list[int]) -> None:
        with pytest.raises(MoneyError):
            Money(100, "EUR").allocate(ratios)

    @given(
        minor=st.integers(min_value=-(10**15), max_value=10**15),
        ratios=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(lambda r: sum(r) > 0),
        currency=currencies,
    )
    def test_parts_sum_to_the_whole_and_stay_within_one_unit_of_their_share(
        self, minor: int, ratios: list[int], currency: str
    ) -> None:
        parts = Money(minor, currency).allocate(ratios)
        assert sum(p.minor for p in parts) == minor
        assert all(p.currency == currency for p in parts)
        total = sum(ratios)
        for part, ratio in zip(parts, ratios, strict=True):
            exact = Decimal(minor) * ratio / total
            assert abs(Decimal(part.minor) - exact) < 1
