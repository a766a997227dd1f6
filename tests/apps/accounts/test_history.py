"""History reads: the text search walks in chunks and never loses or repeats a row across pages; the chart's days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from apps.accounts import history
from tests.apps.accounts.factories import open_account, with_history

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_a_rare_text_is_found_across_short_pages_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    account = open_account(now=START - timedelta(days=1))
    with_history(
        account,
        [(START + timedelta(hours=n), 1_000, "Needle" if n % 97 == 0 else f"Hay {n}") for n in range(1_000)],
    )
    monkeypatch.setattr(history, "MAX_TEXT_SCAN", 150)  # a page gives up after 150 rows (then 200)
    wanted = history.HistoryFilter(text="needle")
    seen: list[str] = []
    pages = 0
    before = None
    while True:
        page = history.history_page(account=account, wanted=wanted, before=before, limit=3)
        pages += 1
        seen += [item.booked_at.isoformat() for item in page.items]
        if page.next_before is None:
            break
        before = page.next_before
    expected = [(START + timedelta(hours=n)).isoformat() for n in range(999, -1, -1) if n % 97 == 0]
    assert seen == expected
    assert pages > 4  # some pages were short: the search stopped and went on


def test_the_chart_has_each_days_closing_balance() -> None:
    account = open_account(now=START - timedelta(days=1))
    with_history(account, [(START, 10_000, "a"), (START + timedelta(days=2, hours=3), -2_500, "b")])
    points = history.balance_series(account=account, days=5, today=date(2026, 6, 4))
    assert [(p.day.isoformat(), p.balance.minor) for p in points] == [
        ("2026-05-31", 0),
        ("2026-06-01", 10_000),
        ("2026-06-02", 10_000),
        ("2026-06-03", 7_500),
        ("2026-06-04", 7_500),
    ]
