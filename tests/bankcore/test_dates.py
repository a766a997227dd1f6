from __future__ import annotations

from datetime import date

import pytest

from bankcore.dates import iso_date


def test_the_extended_calendar_form_is_read() -> None:
    assert iso_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize(
    "text",
    ["20240229", "2024-W09-4", "2024-060", "2024-2-29", " 2024-02-29", "2024-02-29\n", "2023-02-29", "٢٠٢٤-٠٢-٢٩", ""],
)
def test_every_other_form_or_an_impossible_day_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date as YYYY-MM-DD|day is out of range"):
        iso_date(text)
