"""Bulk payouts: a 10,000-line CSV file from upload to the last line paid, through the real path.

Half the lines pay other customers of the bank (booked with the ledger's batch posting), half pay
other banks (accepted with a hold, for settlement); every line gets the single payment's
validation, the KYC limits, the fraud decision and counterparty screening. The file is read,
taken, checked line by line (verification of payee cached per payee within the file) and
executed in chunks, as the worker does, inside the timed span. The payer is a business customer
whose partner sent the file (secure corporate process), so no code is typed mid-measure.
Amounts are small so the day's tier-2 limit is not what the figure measures.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime

from bench.result import emit

LINES = 10_000
INTERNAL_PAYEES = 20
EXTERNAL_PAYEES = 50
OPENED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _business_payer() -> tuple[int, int]:
    from apps.accounts.models import Account
    from apps.accounts.services import opening
    from apps.kyc.models import CustomerKyc, Party
    from bankcore.ledger import services as ledger
    from bankcore.money import Money
    from bankcore.users.models import User

    user = User.objects.create_user(
        email=f"bench-bulk-{os.getpid()}@example.test", password=None, full_name="Bench Payouts GmbH"
    )
    CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=OPENED_AT)
    Party.objects.create(
        customer=user, kind="business", legal_name="Bench Payouts GmbH", company_name="Bench Payouts GmbH",
        created_at=OPENED_AT, updated_at=OPENED_AT,
    )  # fmt: skip
    account_id = opening.account_open_for_customer(customer_id=user.pk, product_code="current", currency="EUR",
                                                   now=OPENED_AT)  # fmt: skip
    funding = ledger.account_open(name=f"bench bulk funding {os.getpid()}", currency="EUR", allow_negative=True)
    ledger.transfer(
        from_account_id=funding, to_account_id=Account.objects.get(pk=account_id).ledger_account_id,
        amount=Money.of("1000000.00", "EUR"), idempotency_key=f"bench-bulk-fund-{os.getpid()}",
    )  # fmt: skip
    return user.pk, account_id


def _internal_payees() -> list[tuple[str, str]]:
    from apps.accounts.models import Account
    from apps.accounts.services import opening
    from apps.kyc.models import CustomerKyc
    from bankcore.users.models import User

    payees = []
    for n in range(INTERNAL_PAYEES):
        user = User.objects.create_user(
            email=f"bench-bulk-payee{n}-{os.getpid()}@example.test", password=None, full_name=f"Payee Person {n}"
        )
        CustomerKyc.objects.create(customer=user, tier_id=2, risk_rating="low", updated_at=OPENED_AT)
        account_id = opening.account_open_for_customer(customer_id=user.pk, product_code="current", currency="EUR",
                                                       now=OPENED_AT)  # fmt: skip
        payees.append((f"Payee Person {n}", Account.objects.get(pk=account_id).iban))
    return payees


def _csv(internal: list[tuple[str, str]]) -> bytes:
    from schwifty import IBAN

    external = [
        (f"Supplier {n}", IBAN.generate("DE", bank_code="37040044", account_code=str(532013000 + n)).compact)
        for n in range(EXTERNAL_PAYEES)
    ]
    rows = ["name,iban,amount,currency,reference"]
    for n in range(LINES):
        name, iban = internal[n % len(internal)] if n % 2 == 0 else external[n % len(external)]
        rows.append(f"{name},{iban},0.{1 + n % 99:02d},EUR,Payout {n}")
    return ("\n".join(rows) + "\n").encode()


def bulk_10k() -> None:
    """Measure ``payments.bulk_10k_s`` once in the current (scratch) database and print its line."""
    from celery import current_app
    from django.utils import timezone

    from apps.accounts.services import products
    from apps.kyc import services as kyc_services
    from apps.payments.batch_parsing import parse_csv
    from apps.payments.models import BatchStatus, PaymentBatch
    from apps.payments.services import batches

    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    from apps.fraud import interface as fraud

    # A worker has the sanctions index and the name analysers loaded; a fresh process pays ~10 s once.
    fraud.screen_name("Warm Up Name")
    payer_id, account_id = _business_payer()
    data = _csv(_internal_payees())
    # The worker's steps are run here one after the other, as the eager default does, so the span
    # covers exactly the file's way from upload to its last line.
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        started = time.perf_counter()
        batch = batches.batch_create(
            customer_id=payer_id, source_account_id=account_id, file=parse_csv(data), source_format="csv",
            idempotency_key=f"bench-bulk-{os.getpid()}", partner_id=1, now=timezone.now(),
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    finally:
        current_app.conf.task_always_eager = eager
    done = PaymentBatch.objects.get(pk=batch.pk)
    if done.status != BatchStatus.COMPLETED or done.paid_count != LINES:
        sys.stderr.write(
            f"bench payments: bulk batch ended {done.status} with {done.paid_count} of {LINES} paid "
            f"({done.failed_count} refused)\n"
        )
    emit("payments.bulk_10k_s", round(elapsed, 2), "s")


def main() -> int:
    """Only this figure, in a scratch database of its own: ``python -m bench.payments_bulk``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from bench.scratch import scratch_database

    with scratch_database("payments_bulk"):
        bulk_10k()
    return 0


if __name__ == "__main__":
    sys.exit(main())
