"""Accounts data, one submodule per subdomain; each adds one import line here.

``products``: what the bank offers (products as data, their dated rates). ``accounts``: the
customers' accounts, their status audit and the number counter.
"""

from apps.accounts.models.accounts import Account, AccountNumberCounter, AccountStatus, AccountStatusChange
from apps.accounts.models.notices import MoneyNotice
from apps.accounts.models.products import Product, ProductKind, ProductRate, ProductRateTier

__all__ = [
    "Account",
    "AccountNumberCounter",
    "AccountStatus",
    "AccountStatusChange",
    "MoneyNotice",
    "Product",
    "ProductKind",
    "ProductRate",
    "ProductRateTier",
]
