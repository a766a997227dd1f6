"""FX between own wallets: the quote's exact amounts or nothing; one entry balanced per currency."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import FxQuote
from apps.wallets.services import fx
from bankcore.fx import services as fx_rates
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Entry, Posting
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet


def test_the_quote_is_mid_less_the_spread_rounded_down_in_the_banks_favour(now: datetime, rates: None) -> None:
    alice = customer()
    eur = funded_wallet(alice, "100.00", now=now)
    quote = FxQuote.objects.get(
        pk=fx.quote_create(
            customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="USD", sell=Money.of("10.00", "EUR"), now=now
        )
    )
    assert quote.mid == Decimal("1.1594")
    assert quote.spread_bps == 50
    assert quote.rate == Decimal("1.153603")  # 1.1594 x 0.995
    # 10 x 1.153603 = 11.53603 USD: the customer gets 11.53, the bank keeps less than a cent.
    assert quote.buy_minor == 1153
    assert quote.expires_at == now + timedelta(seconds=30)


def test_execution_posts_one_entry_balanced_per_currency_at_the_quote(now: datetime, rates: None) -> None:
    alice = customer()
    eur = funded_wallet(alice, "100.00", now=now)
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="USD", sell=Money.of("10.00", "EUR"), now=now
    )
    entry_id = fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now + timedelta(seconds=29))
    assert fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now + timedelta(seconds=40)) == entry_id
    postings = list(Posting.objects.filter(entry_id=entry_id))
    assert len(postings) == 4
    totals: dict[str, int] = defaultdict(int)
    for p in postings:
        totals[p.currency] += p.amount_minor
    assert totals == {"EUR": 0, "USD": 0}
    quote = FxQuote.objects.get(pk=quote_id)
    usd = quote.target_wallet
    assert ledger_read.balance(account_id=eur.ledger_account_id) == Money.of("90.00", "EUR")
    assert ledger_read.balance(account_id=usd.ledger_account_id) == Money(quote.buy_minor, "USD")


def test_an_expired_quote_moves_nothing(now: datetime, rates: None) -> None:
    alice = customer()
    eur = funded_wallet(alice, "100.00", now=now)
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="GBP", sell=Money.of("10.00", "EUR"), now=now
    )
    entries = Entry.objects.count()
    with pytest.raises(WalletRefused) as refused:
        fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now + timedelta(seconds=30))
    assert refused.value.code == "quote_expired"
    assert Entry.objects.count() == entries


def test_stale_rates_refuse_to_quote(now: datetime) -> None:
    fx_rates.rates_load(
        rows=[fx_rates.RateRow(base="EUR", quote="USD", mid=Decimal("1.1"), as_of=now - timedelta(days=5))],
        source="test", now=now,
    )  # fmt: skip
    alice = customer()
    eur = funded_wallet(alice, "100.00", now=now)
    with pytest.raises(WalletRefused) as refused:
        fx.quote_create(
            customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="USD", sell=Money.of("1.00", "EUR"), now=now
        )
    assert refused.value.code == "fx_rate_stale"


def test_cross_rates_go_through_eur(now: datetime, rates: None) -> None:
    alice = customer()
    gbp = funded_wallet(alice, "10.00", "GBP", now=now)
    quote = FxQuote.objects.get(
        pk=fx.quote_create(
            customer_id=alice.pk, source_wallet_id=gbp.pk, target_currency="HKD", sell=Money.of("10.00", "GBP"), now=now
        )
    )
    assert quote.mid.quantize(Decimal("0.0001")) == (Decimal("9.0221") / Decimal("0.87490")).quantize(Decimal("0.0001"))


def test_more_than_the_wallet_holds_is_refused_at_execution(now: datetime, rates: None) -> None:
    alice = customer()
    eur = funded_wallet(alice, "5.00", now=now)
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="USD", sell=Money.of("10.00", "EUR"), now=now
    )
    with pytest.raises(WalletRefused) as refused:
        fx.quote_execute(customer_id=alice.pk, quote_id=quote_id, now=now)
    assert refused.value.code == "insufficient_funds"


def test_another_customers_quote_is_not_found(now: datetime, rates: None) -> None:
    alice, mallory = customer(), customer()
    eur = funded_wallet(alice, "100.00", now=now)
    quote_id = fx.quote_create(
        customer_id=alice.pk, source_wallet_id=eur.pk, target_currency="USD", sell=Money.of("1.00", "EUR"), now=now
    )
    with pytest.raises(WalletNotFound):
        fx.quote_execute(customer_id=mallory.pk, quote_id=quote_id, now=now)
