"""Settlement test data: funded accounts and accepted external payments with their ledger holds.

Payments are made the way initiation leaves them at ``accepted`` (funds held, tx_id fixed), so
settlement's tests do not depend on the whole initiation spine.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import LazySettings

from apps.accounts.models import Account
from apps.accounts.services import products
from apps.kyc import services as kyc_services
from apps.payments.models import Payment, PaymentKind, PaymentStatus
from bankcore import notifications
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money
from tests.apps.accounts.factories import open_account

# A Wednesday, a TARGET business day, before the first cut-off (09:00 in Berlin).
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
OTHER_BANK_IBAN = "FR1420041010050500013M02606"


@pytest.fixture
def clearing_env(db: None, settings: LazySettings, tmp_path: Path) -> Path:
    """Tiers, products, the payments notification kind, and a fresh CLEARING_DIR for the test."""
    kyc_services.tiers_defaults_ensure()
    products.products_defaults_ensure()
    notifications.register_kind("payments", label="Payments")
    settings.CLEARING_DIR = tmp_path / "clearing"
    return settings.CLEARING_DIR


def funded_account(*, balance: str = "1000.00", now: datetime = NOW) -> Account:
    account = open_account(now=now - timedelta(days=30))
    funding = ledger.account_open(
        name=f"test funding {uuid.uuid4().hex[:8]}",
        currency="EUR",
        allow_negative=True,
        kind=LedgerAccount.Kind.INTERNAL,
    )
    ledger.transfer(
        from_account_id=funding,
        to_account_id=account.ledger_account_id,
        amount=Money.of(balance, "EUR"),
        idempotency_key=f"test-funding:{uuid.uuid4().hex}",
    )
    return account


def accepted_payment(
    *,
    account: Account,
    amount: str = "12.50",
    creditor_name: str = "Bob Example",
    creditor_iban: str = OTHER_BANK_IBAN,
    kind: str = PaymentKind.SEPA,
    execution_date: date | None = None,
    end_to_end_id: str = "INV-2026-1",
    now: datetime = NOW,
) -> Payment:
    money = Money.of(amount, "EUR")
    key = uuid.uuid4().hex
    hold_id = ledger.hold_create(
        account_id=account.ledger_account_id,
        amount=money,
        idempotency_key=f"test-payment-hold:{key}",
        expires_at=now + timedelta(days=30),
        now=now,
    )
    return Payment.objects.create(
        customer_id=account.customer_id,
        source_account_id=account.pk,
        source_ledger_account_id=account.ledger_account_id,
        debtor_name="Alice Example",
        debtor_iban=account.iban,
        debtor_bic=account.bic,
        amount_minor=money.minor,
        currency="EUR",
        creditor_name=creditor_name,
        creditor_iban=creditor_iban,
        reference="Invoice 2026-1",
        end_to_end_id=end_to_end_id,
        tx_id=f"TX{key[:30]}",
        kind=kind,
        execution_date=execution_date or now.date(),
        status=PaymentStatus.ACCEPTED,
        hold_id=hold_id,
        idempotency_key=key,
        request_fingerprint=key,
        created_at=now,
        updated_at=now,
    )
