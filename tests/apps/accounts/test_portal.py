"""The customer's account pages: overview, history with filters and keyset pages, detail, CSV, chart, QR, opening."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from apps.accounts.models import Account
from bankcore.ledger.models import LedgerAccount, Posting
from bankcore.testing.access import assert_access, login_verified
from bankcore.users.models import User
from tests.apps.accounts.factories import fund, open_account, verified_customer, with_history

pytestmark = pytest.mark.django_db

START = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def alice() -> User:
    return verified_customer(full_name="Alice Example", email="alice-acc@example.test")


@pytest.fixture
def bob() -> User:
    return verified_customer(full_name="Bob Example", email="bob-acc@example.test")


@pytest.fixture
def account(alice: User) -> Account:
    """120 transactions, one a day from 1 August: +100.00 on even days, -(n).00 on odd ones."""
    account = open_account(customer=alice, now=START - timedelta(days=1))
    moves = []
    for n in range(120):
        amount = 10_000 if n % 2 == 0 else -100 * n
        text = f"Salary {n}" if n % 2 == 0 else f"Groceries {n}"
        moves.append((START + timedelta(days=n), amount, text))
    with_history(account, moves)
    return account


def _rows(response: object) -> list[int]:
    page = response.context["page"]  # type: ignore[attr-defined]
    return [item.id for item in page.items]


class TestOverview:
    def test_shows_each_account_with_balance_and_available(self, client: Client, alice: User, account: Account) -> None:
        login_verified(client, alice)
        response = client.get("/app/accounts/")
        assert response.status_code == 200
        body = response.content.decode()
        balance = LedgerAccount.objects.get(pk=account.ledger_account_id).balance_minor
        assert f"{balance // 100:,}.{balance % 100:02d} EUR" in body
        assert account.iban[:4] in body

    def test_the_dashboard_panel_lists_the_account(self, client: Client, alice: User, account: Account) -> None:
        login_verified(client, alice)
        body = client.get("/app/").content.decode()
        assert f"/app/accounts/{account.pk}/" in body


class TestHistory:
    def test_newest_first_in_pages_of_fifty_without_gaps(self, client: Client, alice: User, account: Account) -> None:
        login_verified(client, alice)
        seen: list[int] = []
        url = f"/app/accounts/{account.pk}/"
        while url:
            response = client.get(url)
            seen += _rows(response)
            query = response.context["next_query"]
            url = f"/app/accounts/{account.pk}/?{query}" if query else ""
        everything = list(
            Posting.objects.filter(account_id=account.ledger_account_id).order_by("-id").values_list("id", flat=True)
        )
        assert seen == everything
        assert len(seen) == 120

    def test_filters_by_date_range_direction_amount_and_text(
        self, client: Client, alice: User, account: Account
    ) -> None:
        login_verified(client, alice)
        page = client.get(
            f"/app/accounts/{account.pk}/",
            {
                "booked_from": "2026-08-11",
                "booked_to": "2026-08-20",
                "direction": "out",
                "amount_min": "12",
                "amount_max": "17",
            },
        ).context["page"]
        # Out on odd days n (amount n.00 EUR): days 11..20 are n = 10..19; odd n in 12..17 is 13, 15, 17.
        assert [item.amount.minor for item in page.items] == [-1_700, -1_500, -1_300]
        text = client.get(f"/app/accounts/{account.pk}/", {"q": "salary 11"}).context["page"]
        assert [item.description for item in text.items] == [
            "Salary 118",
            "Salary 116",
            "Salary 114",
            "Salary 112",
            "Salary 110",
        ]

    def test_a_next_page_keeps_the_filter(self, client: Client, alice: User, account: Account) -> None:
        login_verified(client, alice)
        first = client.get(f"/app/accounts/{account.pk}/", {"direction": "in"})
        assert len(_rows(first)) == 50
        second = client.get(f"/app/accounts/{account.pk}/?{first.context['next_query']}")
        assert all(item.amount.minor > 0 for item in second.context["page"].items)
        assert len(_rows(second)) == 10

    @pytest.mark.parametrize(
        "query",
        [
            {"booked_from": "2026-09-10", "booked_to": "2026-09-01"},
            {"booked_from": "yesterday"},
            {"amount_min": "abc"},
            {"amount_min": "-5"},
            {"amount_min": "20", "amount_max": "10"},
            {"amount_min": "1.005"},
            {"direction": "sideways"},
            {"before": "0"},
            {"booked_from": "2000-01-01", "booked_to": "2026-01-01"},
        ],
    )
    def test_bad_filters_are_form_errors_never_500(
        self, client: Client, alice: User, account: Account, query: dict[str, str]
    ) -> None:
        login_verified(client, alice)
        response = client.get(f"/app/accounts/{account.pk}/", query)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert response.context["page"] is None
        assert 'id="filter-errors"' in response.content.decode()

    def test_transaction_detail_shows_the_counterparty_of_an_internal_transfer(
        self, client: Client, alice: User, bob: User
    ) -> None:
        from bankcore.ledger import services as ledger
        from bankcore.money import Money

        mine = open_account(customer=alice)
        theirs = open_account(customer=bob)
        fund(theirs, 5_000)
        ledger.transfer(
            from_account_id=theirs.ledger_account_id,
            to_account_id=mine.ledger_account_id,
            amount=Money(1_234, "EUR"),
            idempotency_key="p2p",
        )
        login_verified(client, alice)
        posting = Posting.objects.get(account_id=mine.ledger_account_id)
        response = client.get(f"/app/accounts/{mine.pk}/transactions/{posting.pk}/")
        assert response.status_code == 200
        assert response.context["transaction"].counterparty_name == "Bob Example"
        assert response.context["transaction"].counterparty_iban == theirs.iban
        assert "12.34 EUR" in response.content.decode()


class TestExport:
    def test_csv_of_a_filtered_range_streams_every_matching_row(
        self, client: Client, alice: User, account: Account
    ) -> None:
        login_verified(client, alice)
        response = client.get(f"/app/accounts/{account.pk}/export.csv", {"direction": "out"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
        assert len(rows) == 60
        assert rows[0]["amount"] == "-119.00"
        assert {r["direction"] for r in rows} == {"out"}

    def test_a_bad_filter_refuses_the_export(self, client: Client, alice: User, account: Account) -> None:
        login_verified(client, alice)
        response = client.get(f"/app/accounts/{account.pk}/export.csv", {"amount_min": "x"})
        assert response.status_code == 400
        assert "Check the filter" in response.content.decode()

    def test_formula_like_text_is_quoted(self, alice: User) -> None:
        from apps.accounts.views import _cell

        assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
        assert _cell("Rent") == "Rent"


class TestChartAndQr:
    def test_the_chart_is_inline_svg_without_style_attributes(
        self, client: Client, alice: User, account: Account
    ) -> None:
        login_verified(client, alice)
        body = client.get(f"/app/accounts/{account.pk}/").content.decode()
        assert '<svg class="chart"' in body
        assert "style=" not in body
        assert "<script" not in body.split("<main", 1)[1]

    def test_an_eur_account_shows_an_epc_qr_code_and_an_amount_goes_in_it(
        self, client: Client, alice: User, account: Account
    ) -> None:
        login_verified(client, alice)
        response = client.get(f"/app/accounts/{account.pk}/", {"qr_amount": "25.00"})
        assert response.context["epc_qr"].startswith("data:image/svg+xml")
        bad = client.get(f"/app/accounts/{account.pk}/", {"qr_amount": "lots"})
        assert bad.context["qr_error"]


class TestOpen:
    def test_open_a_savings_account(self, client: Client, alice: User) -> None:
        login_verified(client, alice)
        response = client.post(
            "/app/accounts/open/", {"product": "savings", "currency": "GBP", "nickname": "Rainy day"}
        )
        account = Account.objects.get(customer=alice)
        assert response.status_code == 302
        assert response["Location"] == f"/app/accounts/{account.pk}/"
        assert (account.product.code, account.currency, account.nickname) == ("savings", "GBP", "Rainy day")

    def test_one_too_many_is_a_form_error_and_nothing_is_written(self, client: Client, alice: User) -> None:
        login_verified(client, alice)
        for currency in ("EUR", "USD"):
            client.post("/app/accounts/open/", {"product": "savings", "currency": currency})
        response = client.post("/app/accounts/open/", {"product": "savings", "currency": "GBP"})
        assert response.status_code == 200
        assert "the most this product allows" in response.content.decode()
        assert Account.objects.filter(customer=alice).count() == 2

    def test_unsupported_currency_is_a_form_error(self, client: Client, alice: User) -> None:
        login_verified(client, alice)
        response = client.post("/app/accounts/open/", {"product": "current", "currency": "JPY"})
        assert response.status_code == 200
        assert response.context["form"].errors["currency"]
        assert not Account.objects.filter(customer=alice).exists()


def test_another_customer_gets_404_on_every_account_url(
    client: Client, alice: User, bob: User, account: Account
) -> None:
    posting = Posting.objects.filter(account_id=account.ledger_account_id).first()
    assert posting is not None
    urls = [
        f"/app/accounts/{account.pk}/",
        f"/app/accounts/{account.pk}/?direction=in",
        f"/app/accounts/{account.pk}/transactions/{posting.pk}/",
        f"/app/accounts/{account.pk}/export.csv",
        f"/app/accounts/{account.pk}/export.csv?direction=out",
    ]
    for url in urls:
        assert_access(client, url, owner=alice, other=bob)


def test_a_posting_of_another_account_is_404_under_my_account(client: Client, alice: User, bob: User) -> None:
    mine = open_account(customer=alice)
    theirs = open_account(customer=bob)
    fund(theirs, 100)
    their_posting = Posting.objects.get(account_id=theirs.ledger_account_id)
    login_verified(client, alice)
    assert client.get(f"/app/accounts/{mine.pk}/transactions/{their_posting.pk}/").status_code == 404
