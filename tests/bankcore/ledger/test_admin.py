"""The back office sees the books read-only and reverses only through the service, with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry
from bankcore.testing.access import login_verified
from tests.bankcore.ledger.conftest import eur

pytestmark = pytest.mark.django_db

ENTRIES = "/admin/ledger/entry/"


@pytest.fixture
def staff(client: Client) -> Any:
    user = get_user_model().objects.create_superuser(email="ops@bank.test", password="x-Passw0rd-123")
    login_verified(client, user)
    return user


@pytest.fixture
def paid(alice: int, bob: int) -> int:
    return ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1_250), idempotency_key="rent-nov")


class TestSearch:
    @pytest.mark.parametrize("term", ["rent-nov", "Bob", "12.50", "1250"])
    def test_entries_are_found_by_key_account_and_amount(
        self, client: Client, staff: Any, paid: int, term: str
    ) -> None:
        page = client.get(ENTRIES, {"q": term})
        assert page.status_code == 200
        assert "rent-nov" in page.content.decode()

    def test_an_unrelated_term_finds_nothing(self, client: Client, staff: Any, paid: int) -> None:
        assert "rent-nov" not in client.get(ENTRIES, {"q": "99.99"}).content.decode()

    @pytest.mark.parametrize("term", ["\u00b2", "\u0663", "9" * 30, "-" + "9" * 30])
    @pytest.mark.parametrize("page", [ENTRIES, "/admin/ledger/posting/"])
    def test_odd_digits_and_huge_numbers_find_nothing(
        self, client: Client, staff: Any, paid: int, page: str, term: str
    ) -> None:
        # Superscripts and other scripts' digits pass str.isdigit() but not int(); ids beyond
        # BIGINT match nothing. Neither is a server error.
        found = client.get(page, {"q": term})
        assert found.status_code == 200
        assert "rent-nov" not in found.content.decode()

    def test_postings_are_found_by_account(self, client: Client, staff: Any, paid: int, bob: int) -> None:
        page = client.get("/admin/ledger/posting/", {"q": str(bob)})
        assert page.status_code == 200
        assert "-1250" in page.content.decode()

    def test_nothing_can_be_edited_or_deleted(self, client: Client, staff: Any, paid: int) -> None:
        assert client.get(f"{ENTRIES}add/").status_code == 403
        assert client.post(f"{ENTRIES}{paid}/delete/", {"post": "yes"}).status_code == 403
        detail = client.get(f"{ENTRIES}{paid}/change/")
        assert detail.status_code == 200
        assert 'name="description"' not in detail.content.decode()


class TestReverseAction:
    def test_the_action_asks_for_a_reason_first(self, client: Client, staff: Any, paid: int) -> None:
        page = client.post(ENTRIES, {"action": "reverse_entries", "_selected_action": [paid]})
        assert page.status_code == 200
        assert 'name="reason"' in page.content.decode()
        assert not Entry.objects.filter(reverses_id=paid).exists()

    def test_an_empty_reason_reverses_nothing(self, client: Client, staff: Any, paid: int) -> None:
        page = client.post(
            ENTRIES, {"action": "reverse_entries", "_selected_action": [paid], "apply": "Reverse", "reason": " "}
        )
        assert page.status_code == 200
        assert "This field is required" in page.content.decode()
        assert not Entry.objects.filter(reverses_id=paid).exists()

    def test_reversing_with_a_reason(self, client: Client, staff: Any, paid: int, bob: int) -> None:
        page = client.post(
            ENTRIES,
            {"action": "reverse_entries", "_selected_action": [paid], "apply": "Reverse", "reason": "paid twice"},
            follow=True,
        )
        reversal = Entry.objects.get(reverses_id=paid)
        assert f"reversed by entry {reversal.pk}" in page.content.decode()
        assert reversal.metadata == {"reason": "paid twice"}
        assert ledger_read.balance(account_id=bob) == eur(0)

    def test_a_refused_reversal_is_reported(self, client: Client, staff: Any, paid: int) -> None:
        ledger.entry_reverse(entry_id=paid, reason="first")
        page = client.post(
            ENTRIES,
            {"action": "reverse_entries", "_selected_action": [paid], "apply": "Reverse", "reason": "again"},
            follow=True,
        )
        assert "already_reversed" in page.content.decode()

    def test_staff_without_the_permission_cannot_reverse(self, client: Client, paid: int) -> None:
        clerk = get_user_model().objects.create_user(email="clerk@bank.test", password="x-Passw0rd-123", is_staff=True)
        from django.contrib.auth.models import Permission

        clerk.user_permissions.add(Permission.objects.get(codename="view_entry"))
        login_verified(client, clerk)
        page = client.get(ENTRIES)
        assert page.status_code == 200
        assert "reverse_entries" not in page.content.decode()


class TestAccounts:
    def test_freeze_from_the_back_office_is_recorded_in_history(self, client: Client, staff: Any, alice: int) -> None:
        client.post("/admin/ledger/ledgeraccount/", {"action": "freeze", "_selected_action": [alice]})
        assert ledger_read.account_get(account_id=alice).status == "frozen"
        assert client.get(f"/admin/ledger/ledgeraccount/{alice}/history/").status_code == 200


def test_metrics_show_ledger_figures(client: Client, alice: int) -> None:
    body = client.get("/metrics").content.decode()
    assert 'bankcore_ledger_accounts{status="open"} 2.0' in body
    assert "bankcore_ledger_entries 1.0" in body
    assert "bankcore_ledger_active_holds 0.0" in body
