"""What one internal payment costs in SQL statements, pinned so that a change adding round trips
to the money path shows here rather than only in ``make bench``. The ceiling is the count the
path has now (per database: on PostgreSQL the ledger posts through its function, on SQLite in
Python); lower it when a change makes the path cheaper. Every statement counts, the events' COPY and the
ledger's and KYC's server-bound calls included; it can differ by one with what the process has
cached already."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.payments.models import Payment, PaymentEvent
from apps.payments.services import initiate
from bankcore.money import Money
from tests.apps.payments.factories import beneficiary, payer

CEILING = {"postgresql": 40, "sqlite": 45}


def test_an_internal_payment_to_a_trusted_payee_stays_within_its_statement_budget(now: datetime) -> None:
    alice = payer(balance="1000.00", full_name="Alice Example")
    bob = payer(balance="0", full_name="Bob Builder")
    payee = beneficiary(owner=alice, name="Bob Builder", iban=bob.account.iban, trusted=True)

    def pay(key: str) -> str:
        view = initiate.payment_initiate(
            customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("12.00", "EUR"),
            creditor_name="", creditor_iban="", beneficiary_id=payee.pk, reference="Rent",
            idempotency_key=key, now=now,
        )  # fmt: skip
        return view.status

    assert pay("first") == "settled"  # the payer's counters and usage buckets exist from here on
    with CaptureQueriesContext(connection) as queries:
        assert pay("second") == "settled"
    print(f"{len(queries.captured_queries)} statements")
    assert len(queries.captured_queries) <= CEILING[connection.vendor]
    payment = Payment.objects.get(idempotency_key="second")
    # Cheaper, not less audited: every step is on the timeline, the final state in the history.
    assert list(PaymentEvent.objects.filter(payment=payment).order_by("id").values_list("to_status", flat=True)) == [
        "awaiting_sca", "checking", "accepted", "settled",
    ]  # fmt: skip
    assert payment.history.first().status == "settled"
