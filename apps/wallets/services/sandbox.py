"""The sandbox partner's wallet (DESIGN.md §5): acme's EUR wallet, kept funded for trying the wallets API.

Outside production only. The money arrives as a demo card top-up does: a balanced ledger entry
from the bank's acquirer clearing account into the wallet, never a balance written.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.wallets.errors import WalletRefused
from apps.wallets.models import BankAccount, Wallet
from apps.wallets.services.transfers import balance_limit_check
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore import demo
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import Money

# Enough to try transfers with, and below every verified tier's held-balance ceiling.
SANDBOX_WALLET_MINIMUM = Money.of("1000.00", "EUR")


@transaction.atomic
def wallet_sandbox_fund(*, customer_id: int, now: datetime) -> Wallet:
    """The customer's EUR wallet (opened if missing), topped up to ``SANDBOX_WALLET_MINIMUM``.

    Idempotent: a wallet holding that much already is left alone. Refused ``sandbox_only``
    where demo data is off (production), and with the limit's own code when the customer's tier
    may not hold that much.
    """
    if not demo.allowed():
        raise WalletRefused("Sandbox wallets exist only outside production.", code="sandbox_only")
    opened = wallet_open(customer_id=customer_id, currency=SANDBOX_WALLET_MINIMUM.currency, now=now)
    # Under the wallet's lock, as every movement of it: two runs at once top it up once.
    wallet = Wallet.objects.select_for_update().get(pk=opened.pk)
    balance = ledger_read.balance(account_id=wallet.ledger_account_id)
    if balance >= SANDBOX_WALLET_MINIMUM:
        return wallet
    missing = SANDBOX_WALLET_MINIMUM - balance
    balance_limit_check(
        customer_id=customer_id, wallets=list(Wallet.objects.filter(customer_id=customer_id)), amount=missing, now=now
    )
    latest = ledger_read.posting_list(account_id=wallet.ledger_account_id, limit=1).items
    # Keyed on the wallet's last posting: a retry posts once, a later run after spending again.
    state = latest[0].posting_id if latest else 0
    ledger.transfer(
        from_account_id=bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency=missing.currency),
        to_account_id=wallet.ledger_account_id,
        amount=missing,
        idempotency_key=f"sandbox:wallet:{wallet.pk}:{state}",
        description="Sandbox top-up",
    )
    return wallet
