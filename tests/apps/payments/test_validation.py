"""Bad payment orders are refused with a clear reason, before anything is written."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from apps.payments.errors import PaymentInvalid
from apps.payments.services import validation

NOW = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(PaymentInvalid) as refused:
        call()
    return refused.value.code


class TestIban:
    def test_a_valid_iban_is_compacted_and_its_bic_derived(self) -> None:
        parsed = validation.iban_parse("de89 3704 0044 0532 0130 00")
        assert (parsed.iban, parsed.bic, parsed.country) == ("DE89370400440532013000", "COBADEFFXXX", "DE")

    @pytest.mark.parametrize(
        ("iban", "code"),
        [
            ("DE89370400440532013001", "iban_checksum"),
            ("DE8937040044053201300", "iban_length"),
            ("XX89370400440532013000", "iban_country"),
            ("DE89 3704 !!", "iban_invalid"),
            ("", "iban_required"),
        ],
    )
    def test_bad_ibans_are_refused_with_their_reason(self, iban: str, code: str) -> None:
        assert code_of(lambda: validation.iban_parse(iban)) == code


class TestAmount:
    def test_decimal_string_becomes_minor_units(self) -> None:
        assert validation.amount_parse("12.50", "EUR").minor == 1250

    @pytest.mark.parametrize(
        ("text", "currency", "code"),
        [
            ("12.505", "EUR", "too_many_decimals"),
            ("1.5", "JPY", "too_many_decimals"),
            ("0", "EUR", "amount_not_positive"),
            ("-3.00", "EUR", "amount_not_positive"),
            ("twelve", "EUR", "invalid_amount"),
        ],
    )
    def test_refused(self, text: str, currency: str, code: str) -> None:
        assert code_of(lambda: validation.amount_parse(text, currency)) == code


class TestReference:
    def test_sepa_characters_up_to_140_pass(self) -> None:
        assert validation.reference_check("Invoice 2026/11-04 (rent) ok?") == "Invoice 2026/11-04 (rent) ok?"
        assert len(validation.reference_check("a" * 140)) == 140

    def test_too_long(self) -> None:
        assert code_of(lambda: validation.reference_check("a" * 141)) == "reference_too_long"

    @pytest.mark.parametrize("text", ["Miete für März", "rent & bills", "emoji 🙂", "50%", "a_b"])
    def test_outside_the_sepa_charset(self, text: str) -> None:
        assert code_of(lambda: validation.reference_check(text)) == "reference_charset"

    def test_end_to_end_id_rules(self) -> None:
        assert validation.end_to_end_check("ORDER-42") == "ORDER-42"
        assert code_of(lambda: validation.end_to_end_check("x" * 36)) == "end_to_end_id_too_long"
        assert code_of(lambda: validation.end_to_end_check("/start")) == "end_to_end_id_charset"
        assert code_of(lambda: validation.end_to_end_check("a//b")) == "end_to_end_id_charset"


class TestExecutionDate:
    def test_absent_is_today_in_bank_time(self) -> None:
        late_evening_utc = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # already 3 November in Berlin
        assert validation.execution_date_check(None, now=late_evening_utc) == date(2026, 11, 3)

    def test_past_refused(self) -> None:
        assert code_of(lambda: validation.execution_date_check(date(2026, 11, 1), now=NOW)) == "date_in_past"

    def test_a_year_ahead_is_the_limit(self) -> None:
        assert validation.execution_date_check(date(2027, 11, 2), now=NOW) == date(2027, 11, 2)
        assert code_of(lambda: validation.execution_date_check(date(2027, 11, 3), now=NOW)) == "date_too_far"


class TestName:
    def test_bidi_controls_are_refused(self) -> None:
        assert code_of(lambda: validation.name_check("Eve\u202eAlice")) == "bidi_control"

    def test_empty_and_too_long(self) -> None:
        assert code_of(lambda: validation.name_check("   ")) == "name_required"
        assert code_of(lambda: validation.name_check("n" * 71)) == "name_too_long"
