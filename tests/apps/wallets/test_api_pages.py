"""Partner API lists: cursor pages, newest first, a bad cursor a 400 problem, nobody else's rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from apps.wallets.api import views
from apps.wallets.services import transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet, key
from tests.apps.wallets.test_api import acme, api

pytestmark = pytest.mark.django_db
__all__ = ["acme"]


def pages(token: Any, path: str) -> list[list[str]]:
    """Follow ``next`` from the first page to the last; the ids of each page."""
    seen: list[list[str]] = []
    url: str | None = path
    while url is not None:
        response = api(token, "get", url.removeprefix("http://testserver"))
        assert response.status_code == 200, response.content
        body = response.json()
        seen.append([row["id"] for row in body["results"]])
        url = body["next"]
    return seen


def test_wallet_transfers_come_in_pages_newest_first(acme: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE", 2)
    business, token = acme
    now = timezone.now()
    source = funded_wallet(business, "100.00", now=now)
    bob = customer()
    bobs = funded_wallet(bob, "50.00", now=now)
    sent = [
        transfers.p2p_send(
            customer_id=business.pk, source_wallet_id=source.pk, address=bob.email, amount=Money(100 + n, "EUR"),
            note="", idempotency_key=key(), now=now, secure_corporate=True,
        ).id
        for n in range(5)
    ]  # fmt: skip
    # What the business customer received is not one of its sends, and bob's sends are bob's.
    transfers.p2p_send(
        customer_id=bob.pk, source_wallet_id=bobs.pk, address=business.email, amount=Money(100, "EUR"), note="",
        idempotency_key=key(), now=now, secure_corporate=True,
    )  # fmt: skip
    expected = [str(pk) for pk in reversed(sent)]
    assert pages(token, "/api/v1/wallet-transfers/") == [expected[0:2], expected[2:4], expected[4:5]]


def test_wallets_come_in_pages_and_the_last_page_has_no_next(acme: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "PAGE", 2)
    business, token = acme
    now = timezone.now()
    opened = [wallet_open(customer_id=business.pk, currency=c, now=now).pk for c in ("EUR", "GBP", "USD")]
    wallet_open(customer_id=customer().pk, currency="EUR", now=now)
    expected = [str(pk) for pk in reversed(opened)]
    assert pages(token, "/api/v1/wallets/") == [expected[0:2], expected[2:3]]


def test_under_a_page_next_is_null(acme: Any) -> None:
    business, token = acme
    funded_wallet(business, "10.00", now=timezone.now())
    for path in ("/api/v1/wallets/", "/api/v1/wallet-transfers/"):
        assert api(token, "get", path).json()["next"] is None


@pytest.mark.parametrize("cursor", ["nonsense", "YjA", "Yi0x", "Yjk5OTk5OTk5OTk5OTk5OTk5OTk5", "%00"])
@pytest.mark.parametrize("path", ["/api/v1/wallets/", "/api/v1/wallet-transfers/"])
def test_a_cursor_the_api_never_gave_is_a_400_problem(acme: Any, path: str, cursor: str) -> None:
    _, token = acme
    response = api(token, "get", f"{path}?cursor={cursor}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]
