"""What one P2P send costs in SQL statements, pinned so that a change adding round trips to the
money path shows here rather than only in ``make bench``. The ceiling is the count the path has
now (per database: on PostgreSQL the ledger posts through its function, on SQLite in Python);
lower it when a change makes the path cheaper."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.wallets.services import transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.money import Money
from tests.apps.wallets.factories import customer, funded_wallet, key

CEILING = {"postgresql": 37, "sqlite": 42}


def test_a_p2p_send_stays_within_its_statement_budget(now: datetime) -> None:
    alice, bob = customer(), customer()
    source = funded_wallet(alice, "100.00", now=now)
    wallet_open(customer_id=bob.pk, currency="EUR", now=now)

    def send() -> str:
        return transfers.p2p_send(
            customer_id=alice.pk, source_wallet_id=source.pk, address=bob.email, amount=Money.of("1.00", "EUR"),
            note="lunch", idempotency_key=key(), now=now, secure_corporate=True,
        ).status  # fmt: skip

    assert send() == "completed"  # the sender's counters and usage buckets exist from here on
    with CaptureQueriesContext(connection) as queries:
        assert send() == "completed"
    print(f"{len(queries.captured_queries)} statements")
    assert len(queries.captured_queries) <= CEILING[connection.vendor]
