"""Demo accounts: alice and bob get funded EUR current and savings accounts with three months of
history, acme its EUR business current account with 1,250,000.00 EUR.

Runs after the KYC seeder (which approves the customers and makes acme). Idempotent: an account
that exists is kept, and history is written once (by key), only into an account without postings.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from apps.accounts.errors import AccountRefused
from apps.accounts.models import Account
from apps.accounts.services import opening, products
from apps.accounts.services.backfill import Movement, history_backfill
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.users.models import User

CUSTOMERS = ["alice@bankcore.localhost", "bob@bankcore.localhost"]
ACME = "acme@bankcore.localhost"
ACME_BALANCE_MINOR = 125_000_000  # 1,250,000.00 EUR
HISTORY_DAYS = 92
OPENING_DEPOSIT_MINOR = 300_000  # 3,000.00 EUR
FUNDING = "Demo funding EUR"


def _funding_account() -> int:
    found = LedgerAccount.objects.filter(name=FUNDING, kind="internal").values_list("pk", flat=True).first()
    if found is not None:
        return int(found)
    return ledger.account_open(name=FUNDING, currency="EUR", allow_negative=True, kind="internal")


def _ensure(customer_id: int, product_code: str, opened_at: datetime) -> Account | None:
    existing = Account.objects.filter(customer_id=customer_id, product__code=product_code, currency="EUR").first()
    if existing is not None:
        return existing
    try:
        account_id = opening.account_open_for_customer(
            customer_id=customer_id, product_code=product_code, currency="EUR", now=opened_at
        )
    except AccountRefused:
        return None  # KYC has not approved them (the KYC seeder did not run): nothing to fund
    return Account.objects.get(pk=account_id)


def _everyday_history(seed: str, start: datetime, end: datetime) -> list[Movement]:
    """A salary, rent, groceries, a few card payments: enough to fill a page and a chart."""
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrecy
    # Enough for a first month's rent and spending before the first salary, whatever day the
    # history starts on (it starts 92 days before the seeding): an account never goes below zero.
    moves: list[Movement] = [
        Movement(at=start + timedelta(hours=1), amount_minor=OPENING_DEPOSIT_MINOR, description="Opening deposit")
    ]
    day = start + timedelta(days=1)
    while day < end:
        at = day.replace(hour=9, minute=rng.randint(0, 59))
        if day.day == 1:
            moves.append(
                Movement(
                    at=at,
                    amount_minor=320_000,
                    description="Salary",
                    metadata={
                        "counterparty_name": "Example Employer AG",
                        "counterparty_iban": "DE89370400440532013000",
                        "reference": "Salary",
                    },
                )
            )
        elif day.day == 3:
            moves.append(
                Movement(
                    at=at,
                    amount_minor=-110_000,
                    description="Rent",
                    metadata={
                        "counterparty_name": "Hausverwaltung Mitte",
                        "counterparty_iban": "DE02120300000000202051",
                        "reference": "Rent flat 4B",
                    },
                )
            )
        if day.weekday() == 5:
            moves.append(
                Movement(
                    at=at + timedelta(hours=2),
                    amount_minor=-rng.randint(4_000, 12_000),
                    description="Groceries",
                    metadata={"counterparty_name": "Markthalle", "reference": "Card payment"},
                )
            )
        if rng.random() < 0.25:
            moves.append(
                Movement(
                    at=at + timedelta(hours=5),
                    amount_minor=-rng.randint(500, 4_500),
                    description="Coffee and lunch",
                    metadata={"counterparty_name": "Café Nord", "reference": "Card payment"},
                )
            )
        day += timedelta(days=1)
    return moves


def _savings_history(start: datetime, end: datetime) -> list[Movement]:
    moves = [Movement(at=start + timedelta(hours=2), amount_minor=500_000, description="Opening deposit")]
    day = start + timedelta(days=1)
    while day < end:
        if day.day == 2:
            moves.append(Movement(at=day.replace(hour=10), amount_minor=30_000, description="Monthly saving"))
        day += timedelta(days=1)
    return moves


def _acme_history(start: datetime, end: datetime) -> list[Movement]:
    rng = random.Random("acme")  # noqa: S311 - demo figures
    moves = [Movement(at=start + timedelta(hours=1), amount_minor=ACME_BALANCE_MINOR, description="Capital deposit")]
    day = start + timedelta(days=1)
    n = 0
    while day < end:
        if day.weekday() < 5:
            n += 1
            moves.append(
                Movement(
                    at=day.replace(hour=11),
                    amount_minor=rng.randint(50_000, 900_000),
                    description=f"Invoice {1000 + n}",
                    metadata={"counterparty_name": f"Customer {n % 7 + 1} GmbH", "reference": f"Invoice {1000 + n}"},
                )
            )
            moves.append(
                Movement(
                    at=day.replace(hour=15),
                    amount_minor=-rng.randint(20_000, 600_000),
                    description=f"Supplier {n % 5 + 1}",
                    metadata={"counterparty_name": f"Supplier {n % 5 + 1} AG", "reference": f"PO {5000 + n}"},
                )
            )
        day += timedelta(days=1)
    return moves


def _fill(account: Account | None, movements: list[Movement], funding: int) -> None:
    if account is None:
        return
    if account.ledger_account.postings.exists():
        return  # used since: history goes only into an account without postings
    history_backfill(
        ledger_account_id=account.ledger_account_id,
        counter_ledger_account_id=funding,
        movements=movements,
        key_prefix=f"demo-history:{account.pk}",
    )


def seed() -> list[str]:
    products.products_defaults_ensure()
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    end = now - timedelta(days=1)
    funding = _funding_account()
    lines: list[str] = []
    for email in CUSTOMERS:
        customer = User.objects.filter(email=email).first()
        if customer is None:
            continue
        current = _ensure(customer.pk, "current", start)
        savings = _ensure(customer.pk, "savings", start)
        _fill(current, _everyday_history(email, start, end), funding)
        _fill(savings, _savings_history(start, end), funding)
        shown = [a.iban for a in (current, savings) if a is not None]
        if shown:
            lines.append(f"{'accounts':<14} {email}: {', '.join(shown)}")
    acme = User.objects.filter(email=ACME).first()
    if acme is not None:
        business = _ensure(acme.pk, "business-current", start)
        _fill(business, _acme_history(start, end), funding)
        if business is not None:
            lines.append(f"{'accounts':<14} {ACME}: {business.iban} (EUR business current)")
    return lines
