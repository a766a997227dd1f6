"""wallets: reads. Every read of a customer's object is scoped to that customer (another's is absent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from apps.wallets.errors import WalletNotFound
from apps.wallets.models import (
    FxQuote,
    MoneyRequest,
    PhoneClaim,
    Recovery,
    TopUp,
    Wallet,
    WalletPhone,
    WalletTransfer,
)
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.paging import Page, keyset_page


@dataclass(frozen=True)
class WalletView:
    id: int
    customer_id: int
    currency: str
    status: str
    ledger_account_id: int
    balance: Money
    available: Money


@dataclass(frozen=True)
class ActivityLine:
    at: datetime
    kind: str  # sent / received / topup / fx
    amount: Money  # signed from the wallet's side
    label: str
    status: str


def wallet_view(wallet: Wallet) -> WalletView:
    account = ledger_read.account_get(account_id=wallet.ledger_account_id)
    return WalletView(
        id=wallet.pk,
        customer_id=wallet.customer_id,
        currency=wallet.currency,
        status=wallet.status,
        ledger_account_id=wallet.ledger_account_id,
        balance=account.balance,
        available=account.available,
    )


def wallet_get(*, customer_id: int, wallet_id: int) -> Wallet:
    wallet = Wallet.objects.filter(pk=wallet_id, customer_id=customer_id).first()
    if wallet is None:
        raise WalletNotFound("No such wallet.")
    return wallet


def wallet_by_id(*, wallet_id: int) -> Wallet | None:
    """Any wallet by id, for a door that checks visibility itself (the partner API)."""
    return Wallet.objects.filter(pk=wallet_id).first()


def transfer_sent(*, customer_id: int, transfer_id: int) -> WalletTransfer:
    transfer = WalletTransfer.objects.filter(pk=transfer_id, sender_id=customer_id).first()
    if transfer is None:
        raise WalletNotFound("No such transfer.")
    return transfer


def wallet_by_currency(*, customer_id: int, currency: str) -> Wallet | None:
    return Wallet.objects.filter(customer_id=customer_id, currency=currency).first()


def wallets_of_customer(*, customer_id: int) -> list[WalletView]:
    return [wallet_view(w) for w in Wallet.objects.filter(customer_id=customer_id).order_by("currency")]


def wallets_page(*, customer_id: int, before: int | None, limit: int) -> Page[WalletView]:
    page = keyset_page(Wallet.objects.filter(customer_id=customer_id), before=before, limit=limit)
    return Page([wallet_view(w) for w in page.items], page.next_before)


def transfers_sent_page(*, customer_id: int, before: int | None, limit: int) -> Page[WalletTransfer]:
    return keyset_page(WalletTransfer.objects.filter(sender_id=customer_id), before=before, limit=limit)


def wallet_search(*, text: str) -> QuerySet[Wallet]:
    """Back office: wallets by the customer's e-mail, name or phone, or by wallet id."""
    query = Q(customer__email__icontains=text) | Q(customer__full_name__icontains=text)
    query |= Q(customer__wallet_phone__phone__icontains=text)
    if text.isdigit():
        query |= Q(pk=int(text))
    return Wallet.objects.filter(query).select_related("customer").order_by("customer__email", "currency")


@dataclass(frozen=True)
class PhoneState:
    verified: str  # the number people can send to, "" when none
    pending: str  # a number waiting for its code, "" when none
    code_expires_at: datetime | None


def phone_state(*, customer_id: int) -> PhoneState:
    """The number the customer receives money at, and one waiting for its code."""
    verified = WalletPhone.objects.filter(customer_id=customer_id).values_list("phone", flat=True).first() or ""
    claim = PhoneClaim.objects.filter(customer_id=customer_id).first()
    # Waiting: a code is out, or none was ever sent (a number from before verification existed).
    if claim is None or claim.phone == verified or not (claim.code_hash or claim.sent_at is None):
        return PhoneState(verified=verified, pending="", code_expires_at=None)
    return PhoneState(verified=verified, pending=claim.phone, code_expires_at=claim.code_expires_at)


def _seen_by(customer_id: int) -> Q:
    # The recipient sees a transfer once its money arrived: one held for review or refused by a
    # fraud case is the sender's matter, and telling the recipient would tip them off.
    return Q(sender_id=customer_id) | Q(recipient_id=customer_id, status=WalletTransfer.Status.COMPLETED)


def transfer_get(*, customer_id: int, transfer_id: int) -> WalletTransfer:
    """A transfer its sender, or its recipient once completed, may see."""
    transfer = WalletTransfer.objects.filter(_seen_by(customer_id), pk=transfer_id).first()
    if transfer is None:
        raise WalletNotFound("No such transfer.")
    return transfer


def transfers_of(*, customer_id: int, limit: int = 50) -> list[WalletTransfer]:
    return list(
        WalletTransfer.objects.filter(_seen_by(customer_id))
        .select_related("sender", "recipient")
        .order_by("-created_at", "-id")[:limit]
    )


def request_get(*, customer_id: int, request_id: int) -> MoneyRequest:
    """A request its requester or its payer may see."""
    found = MoneyRequest.objects.filter(pk=request_id).filter(Q(requester_id=customer_id) | Q(payer_id=customer_id))
    request = found.select_related("requester").first()
    if request is None:
        raise WalletNotFound("No such request.")
    return request


def requests_to_pay(*, customer_id: int, now: datetime) -> list[MoneyRequest]:
    return list(
        MoneyRequest.objects.filter(payer_id=customer_id, status=MoneyRequest.Status.PENDING, expires_at__gt=now)
        .select_related("requester")
        .order_by("-created_at")
    )


def requests_made(*, customer_id: int, limit: int = 20) -> list[MoneyRequest]:
    return list(MoneyRequest.objects.filter(requester_id=customer_id).order_by("-created_at")[:limit])


def quote_get(*, customer_id: int, quote_id: int) -> FxQuote:
    quote = FxQuote.objects.filter(pk=quote_id, customer_id=customer_id).first()
    if quote is None:
        raise WalletNotFound("No such quote.")
    return quote


def topup_get(*, customer_id: int, topup_id: int) -> TopUp:
    topup = TopUp.objects.filter(pk=topup_id, customer_id=customer_id).first()
    if topup is None:
        raise WalletNotFound("No such top-up.")
    return topup


def topups_of(*, customer_id: int, limit: int = 20) -> list[TopUp]:
    return list(TopUp.objects.filter(customer_id=customer_id).order_by("-created_at")[:limit])


def open_recovery(*, wallet_id: int) -> Recovery | None:
    return Recovery.objects.filter(wallet_id=wallet_id, status=Recovery.Status.OPEN).first()


def activity(*, customer_id: int, limit: int = 30) -> list[ActivityLine]:
    """Transfers in and out and top-ups, newest first, from the customer's side."""
    lines: list[ActivityLine] = []
    for t in transfers_of(customer_id=customer_id, limit=limit):
        out = t.sender_id == customer_id
        other = t.recipient if out else t.sender
        amount = Money(-t.amount_minor if out else t.amount_minor, t.currency)
        who = t.address if out else (other.get_full_name())
        label = f"{'To' if out else 'From'} {who}" + (f": {t.note}" if t.note else "")
        lines.append(ActivityLine(t.created_at, "sent" if out else "received", amount, label, t.get_status_display()))
    for topup in topups_of(customer_id=customer_id, limit=limit):
        card = f" ({topup.card_brand} •••• {topup.card_last4})" if topup.card_last4 else ""
        lines.append(
            ActivityLine(
                topup.created_at, "topup", Money(topup.amount_minor, topup.currency), f"Card top-up{card}",
                topup.get_status_display(),
            )
        )  # fmt: skip
    for quote in FxQuote.objects.filter(customer_id=customer_id, status=FxQuote.Status.EXECUTED).order_by(
        "-executed_at"
    )[:limit]:
        lines.append(
            ActivityLine(
                quote.executed_at or quote.created_at, "fx", Money(quote.buy_minor, quote.buy_currency),
                f"Converted {Money(quote.sell_minor, quote.sell_currency)}", "Executed",
            )
        )  # fmt: skip
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]
