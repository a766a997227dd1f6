"""Monitoring money that really moved: decisions and velocity built from posted ledger entries."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from apps.fraud import events as fraud_events
from apps.fraud import interface
from apps.fraud.errors import FraudRefused
from apps.fraud.models import Alert, MonitoredTransaction, VelocityBucket
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import Money

pytestmark = pytest.mark.django_db

CUSTOMER = 7
_keys = itertools.count()


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def pay(source: int, target: int, amount: str) -> int:
    """Post a real transfer on the ledger; returns the entry id."""
    return ledger.transfer(
        from_account_id=source, to_account_id=target, amount=eur(amount), idempotency_key=f"fraud-test-{next(_keys)}"
    )


@pytest.fixture
def bank() -> int:
    return ledger.account_open(name="Settlement", currency="EUR", allow_negative=True, kind="internal")


@pytest.fixture
def customer_account(bank: int) -> int:
    """The customer's current account, with 100,000.00 EUR paid in."""
    account = ledger.account_open(name="Customer 7 current account", currency="EUR")
    pay(bank, account, "100000.00")
    return account


@pytest.fixture
def payees() -> list[int]:
    return [ledger.account_open(name=f"Payee {i}", currency="EUR") for i in range(4)]


class TestLedgerEntryMonitor:
    def test_the_decision_describes_the_posted_transfer(self, starter_rules, customer_account, payees) -> None:
        entry_id = pay(customer_account, payees[0], "120.00")
        decision = interface.ledger_entry_monitor(
            entry_id=entry_id, account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
        )
        stored = MonitoredTransaction.objects.get(pk=decision.transaction_id)
        entry = ledger_read.entry_get(entry_id=entry_id)
        assert (stored.reference, stored.customer_id) == (f"ledger:{entry_id}:{customer_account}", CUSTOMER)
        assert (stored.amount_minor, stored.currency) == (12000, "EUR")
        assert stored.counterparty_key == f"ledger:{payees[0]}"
        assert stored.occurred_at == entry.created_at
        assert (stored.features["channel"], stored.features["direction"]) == ("ledger", "out")
        assert decision.outcome == "allow"

    def test_structuring_across_real_transfers_fires_and_is_explained(
        self, starter_rules, customer_account, payees
    ) -> None:
        decisions = [
            interface.ledger_entry_monitor(
                entry_id=pay(customer_account, payee, "9500.00"),
                account_id=customer_account,
                customer_id=CUSTOMER,
                now=timezone.now(),
            )
            for payee in payees[:3]
        ]
        assert "structuring" not in {r.code for r in decisions[1].fired}
        third = decisions[2]
        assert "structuring" in {r.code for r in third.fired}
        assert "(structuring) (+60)" in third.explain()
        features = MonitoredTransaction.objects.get(pk=third.transaction_id).features
        assert (features["near_limit_count_24h"], features["customer_count_24h"]) == (3, 3)
        assert features["customer_sum_24h_minor"] == 3 * 950000

    def test_a_finding_after_the_fact_opens_an_alert_that_holds_nothing(
        self, starter_rules, customer_account, payees
    ) -> None:
        for payee in payees[:3]:
            decision = interface.ledger_entry_monitor(
                entry_id=pay(customer_account, payee, "9500.00"),
                account_id=customer_account,
                customer_id=CUSTOMER,
                now=timezone.now(),
            )
        assert decision.outcome in ("review", "block")
        alert = Alert.objects.get(pk=decision.alert_id)
        assert (alert.hold, alert.payment_ref, alert.customer_id) == ("", "", CUSTOMER)
        opened = OutboxEvent.objects.get(name=fraud_events.ALERT_OPENED, payload__alert_id=alert.pk)
        assert opened.payload["hold"] is False

    def test_monitoring_an_entry_twice_returns_the_first_decision(
        self, starter_rules, customer_account, payees
    ) -> None:
        entry_id = pay(customer_account, payees[0], "50.00")
        first = interface.ledger_entry_monitor(
            entry_id=entry_id, account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
        )
        again = interface.ledger_entry_monitor(
            entry_id=entry_id, account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
        )
        assert again == first
        assert VelocityBucket.objects.get(scope="c", key=str(CUSTOMER), grain="d").count == 1

    def test_money_coming_in_is_refused_and_nothing_is_written(self, starter_rules, bank, customer_account) -> None:
        entry_id = pay(bank, customer_account, "10.00")
        with pytest.raises(FraudRefused) as refused:
            interface.ledger_entry_monitor(
                entry_id=entry_id, account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
            )
        assert refused.value.code == "not_outgoing"
        assert not MonitoredTransaction.objects.exists()
        assert not VelocityBucket.objects.exists()


class TestLedgerAccountMonitor:
    def test_a_sweep_decides_new_payments_oldest_first_and_only_once(
        self, starter_rules, customer_account, payees
    ) -> None:
        entries = [pay(customer_account, payee, "9500.00") for payee in payees[:3]]
        decisions = interface.ledger_account_monitor(
            account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
        )
        # The pay-in that funded the account is not a payment out: three decisions, in posting order.
        stored = [MonitoredTransaction.objects.get(pk=d.transaction_id).reference for d in decisions]
        assert stored == [f"ledger:{e}:{customer_account}" for e in entries]
        assert "structuring" in {r.code for r in decisions[-1].fired}
        assert (
            interface.ledger_account_monitor(account_id=customer_account, customer_id=CUSTOMER, now=timezone.now())
            == []
        )
        later = pay(customer_account, payees[3], "20.00")
        (fresh,) = interface.ledger_account_monitor(
            account_id=customer_account, customer_id=CUSTOMER, now=timezone.now()
        )
        assert (
            MonitoredTransaction.objects.get(pk=fresh.transaction_id).reference == f"ledger:{later}:{customer_account}"
        )

    def test_posted_payments_feed_the_windows_of_the_next_live_decision(
        self, starter_rules, customer_account, payees
    ) -> None:
        for payee in payees[:3]:
            pay(customer_account, payee, "9500.00")
        interface.ledger_account_monitor(account_id=customer_account, customer_id=CUSTOMER, now=timezone.now())
        at = timezone.now()
        decision = interface.transaction_decide(
            txn=interface.ProposedTransaction(
                reference="payment:next",
                customer_id=CUSTOMER,
                amount=eur("9600.00"),
                counterparty_key=f"ledger:{payees[0]}",
                occurred_at=at,
            ),
            now=at,
        )
        features = MonitoredTransaction.objects.get(pk=decision.transaction_id).features
        assert features["customer_count_1h"] == 4
        assert features["customer_sum_24h_minor"] == 3 * 950000 + 960000
        assert features["counterparty_count_30d"] == 2
        # The 28,500.00 posted before this payment push the day over 20,000.00.
        assert {r.code for r in decision.fired} - {"night-large"} == {"structuring", "large-amount", "daily-volume"}
        assert decision.outcome == "block"
