"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q

from apps.accounts.models import Account, Product, ProductRate
from apps.accounts.models.statements import StatementJob
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.users.models import User


def account_get(*, account_id: int) -> Account | None:
    return Account.objects.select_related("product", "customer").filter(pk=account_id).first()


def account_by_iban(*, iban: str) -> Account | None:
    compact = "".join(iban.split()).upper()
    return Account.objects.select_related("product", "customer").filter(iban=compact).first()


def accounts_by_ibans(*, ibans: list[str]) -> list[Account]:
    compact = {"".join(iban.split()).upper() for iban in ibans}
    return list(Account.objects.select_related("product", "customer").filter(iban__in=compact))


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


@dataclass(frozen=True)
class AccountSummary:
    """An account with its balances, as the customer's overview and the partner API show it."""

    id: int
    name: str
    nickname: str
    iban: str
    bic: str
    currency: str
    status: str
    status_label: str
    product_code: str
    product_kind: str
    balance: Money
    available: Money  # balance less holds (the overdraft not included)
    overdraft_limit: Money
    opened_at: datetime
    closed_at: datetime | None

    @property
    def spendable(self) -> Money:
        """What can be paid out now: available plus the arranged overdraft."""
        return Money(self.available.minor + self.overdraft_limit.minor, self.currency)


def account_summary(*, account: Account) -> AccountSummary:
    view = ledger_read.account_get(account_id=account.ledger_account_id)
    return AccountSummary(
        id=account.pk,
        name=account.name,
        nickname=account.nickname,
        iban=account.iban,
        bic=account.bic,
        currency=account.currency,
        status=account.status,
        status_label=account.get_status_display(),
        product_code=account.product.code,
        product_kind=account.product.kind,
        balance=view.balance,
        available=view.available,
        overdraft_limit=Money(account.overdraft_limit_minor, account.currency),
        opened_at=account.opened_at,
        closed_at=account.closed_at,
    )


def accounts_overview(*, customer_id: int) -> list[AccountSummary]:
    """The customer's accounts with balances: open ones first, then closed, each oldest first."""
    accounts = accounts_of_customer(customer_id=customer_id)
    ordered = sorted(accounts, key=lambda a: (a.status == "closed", a.opened_at, a.pk))
    return [account_summary(account=a) for a in ordered]


def accounts_visible(*, customer_id: int | None, account_ids: list[int]) -> list[Account]:
    """A customer's accounts (a partner's business customer) and the listed ones, oldest first."""
    wanted = Q(pk__in=account_ids)
    if customer_id is not None:
        wanted |= Q(customer_id=customer_id)
    return list(Account.objects.select_related("product", "customer").filter(wanted).order_by("opened_at", "id"))


def statement_period(*, job_id: int) -> dict[str, str]:
    """A statement's period and format as its ``account.statement.ready`` event names them."""
    from_date, to_date, kind = StatementJob.objects.values_list("from_date", "to_date", "format").get(pk=job_id)
    return {"from_date": from_date.isoformat(), "to_date": to_date.isoformat(), "format": kind}
