"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from apps.accounts.models import Account, Product, ProductRate
from bankcore.users.models import User


def account_get(*, account_id: int) -> Account | None:
    return Account.objects.select_related("product", "customer").filter(pk=account_id).first()


def account_by_iban(*, iban: str) -> Account | None:
    compact = "".join(iban.split()).upper()
    return Account.objects.select_related("product", "customer").filter(iban=compact).first()


def account_by_ledger_id(*, ledger_account_id: int) -> Account | None:
    return Account.objects.select_related("product", "customer").filter(ledger_account_id=ledger_account_id).first()


def accounts_of_customer(*, customer_id: int, include_closed: bool = True) -> list[Account]:
    qs = Account.objects.select_related("product", "customer").filter(customer_id=customer_id)
    if not include_closed:
        qs = qs.exclude(status="closed")
    return list(qs.order_by("opened_at", "id"))


def account_of_customer(*, customer_id: int, account_id: int) -> Account | None:
    """The account if ``customer_id`` holds it, else None (a stranger's account is no account)."""
    return Account.objects.select_related("product", "customer").filter(pk=account_id, customer_id=customer_id).first()


def accounts_count(*, customer_id: int, product_id: int) -> int:
    """Accounts of this product the customer holds now (closed ones no longer count)."""
    return Account.objects.filter(customer_id=customer_id, product_id=product_id).exclude(status="closed").count()


def product_by_code(*, code: str) -> Product | None:
    return Product.objects.filter(code=code).first()


def products_open_for(*, tier: int) -> list[Product]:
    return list(Product.objects.filter(is_open_for_new_accounts=True, min_kyc_tier__lte=tier).order_by("kind", "code"))


def holder_name(*, customer_id: int) -> str:
    """The name on the account: the user's full name, or the e-mail address when it has none."""
    user = User.objects.filter(pk=customer_id).only("full_name", "email").first()
    if user is None:
        return ""
    return user.full_name or user.email


@dataclass(frozen=True)
class Tier:
    from_balance_minor: int
    annual_rate: Decimal


@dataclass(frozen=True)
class RatesOn:
    """The rates of a product in force on one day (from ``effective_from``)."""

    product_id: int
    effective_from: date
    credit_tiers: tuple[Tier, ...]  # ascending by from_balance_minor
    debit_annual_rate: Decimal


def product_rate_on(*, product_id: int, on_date: date) -> RatesOn | None:
    """The rates in force on ``on_date`` (the newest row from that day or before); None if none yet."""
    rate = (
        ProductRate.objects.filter(product_id=product_id, effective_from__lte=on_date)
        .order_by("-effective_from")
        .prefetch_related("tiers")
        .first()
    )
    if rate is None:
        return None
    tiers = tuple(
        Tier(from_balance_minor=t.from_balance_minor, annual_rate=t.annual_rate)
        for t in sorted(rate.tiers.all(), key=lambda t: t.from_balance_minor)
    )
    return RatesOn(
        product_id=product_id,
        effective_from=rate.effective_from,
        credit_tiers=tiers,
        debit_annual_rate=rate.debit_annual_rate,
    )
