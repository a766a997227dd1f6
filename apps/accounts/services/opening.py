"""Opening accounts: within the customer's KYC tier, the product's rules and currencies.

One transaction writes the number, the ledger account, the account and its ``account.opened``
event; any refusal writes nothing. Openings of one customer queue on the customer's row, so two
at once cannot both take the last place a product allows.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from apps.accounts import events as account_events
from apps.accounts import selectors
from apps.accounts.errors import AccountRefused
from apps.accounts.models import Account, Product, ProductKind
from apps.accounts.services import numbers
from apps.kyc import interface as kyc
from bankcore import events
from bankcore.ledger import services as ledger
from bankcore.users.models import User


def _product_for(product_code: str) -> Product:
    product = selectors.product_by_code(code=product_code)
    if product is None:
        raise AccountRefused(f"There is no product {product_code!r}.", code="unknown_product")
    return product


def account_open_for_customer(
    *, customer_id: int, product_code: str, currency: str, now: datetime, nickname: str = ""
) -> int:
    """Open an account of ``product_code`` in ``currency`` for the customer; returns its id.

    Refused (``AccountRefused``, nothing written) when the product is unknown or withdrawn, the
    currency is not one of the product's, the customer's KYC tier is below the product's or the
    customer is restricted, or the customer already holds as many of the product as it allows.
    """
    product = _product_for(product_code)
    currency = (currency or "").strip().upper()
    with transaction.atomic():
        # The customer's row is the queue for their openings (max per product is counted under it).
        customer = User.objects.select_for_update().filter(pk=customer_id, is_active=True).first()
        if customer is None:
            raise AccountRefused("There is no such customer.", code="unknown_customer")
        _check_may_open(customer_id=customer_id, product=product, currency=currency)
        number = numbers.account_number_next()
        iban = numbers.iban_for_number(number=number)
        _, _, bic = numbers.bank_identity()
        ledger_account_id = ledger.account_open(name=f"{product.name} {iban}", currency=currency)
        account = Account.objects.create(
            customer_id=customer_id,
            product=product,
            currency=currency,
            number=number,
            iban=iban,
            bic=bic,
            ledger_account_id=ledger_account_id,
            name=product.name,
            nickname=nickname.strip()[:60],
            opened_at=now,
        )
        events.publish(
            account_events.ACCOUNT_OPENED,
            {
                "account_id": account.pk,
                "customer_id": customer_id,
                "iban": iban,
                "currency": currency,
                "product_code": product.code,
            },
        )
    return account.pk


def _check_may_open(*, customer_id: int, product: Product, currency: str) -> None:
    if not product.is_open_for_new_accounts:
        raise AccountRefused(f"{product.name} is no longer offered.", code="product_withdrawn")
    if currency not in product.currencies:
        allowed = ", ".join(product.currencies) or "none"
        raise AccountRefused(
            f"{product.name} is not offered in {currency or 'that currency'} (only {allowed}).",
            code="unsupported_currency",
        )
    status = kyc.customer_status(customer_id=customer_id)
    if status.restricted:
        raise AccountRefused(
            "Your verification needs attention before you can open an account.", code="customer_restricted"
        )
    if status.tier < product.min_kyc_tier:
        raise AccountRefused(
            f"{product.name} needs a verified identity (tier {product.min_kyc_tier}); yours is tier {status.tier}.",
            code="tier_too_low",
        )
    held = selectors.accounts_count(customer_id=customer_id, product_id=product.pk)
    if held >= product.max_accounts_per_customer:
        raise AccountRefused(
            f"You already hold {held} {product.name} account(s), the most this product allows.",
            code="too_many_accounts",
        )


def first_current_account_open(*, customer_id: int, now: datetime) -> int | None:
    """Open the customer's first current account (a business current account for a business)
    unless they hold a current account already.

    Returns the new account's id, or None when there was nothing to do (safe to run twice).
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=customer_id).first()
        has_current = Account.objects.filter(
            customer_id=customer_id, product__kind__in=[ProductKind.CURRENT, ProductKind.BUSINESS_CURRENT]
        ).exists()
        if has_current:
            return None
        business = kyc.party_kind(customer_id=customer_id) == "business"
        return account_open_for_customer(
            customer_id=customer_id,
            product_code=settings.ACCOUNTS_FIRST_BUSINESS_PRODUCT if business else settings.ACCOUNTS_FIRST_PRODUCT,
            currency=settings.ACCOUNTS_FIRST_CURRENCY,
            now=now,
        )
