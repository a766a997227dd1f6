"""Money requests: ask someone for money; they pay or decline in one step; requests expire.

Asking never tells the requester whether the address belongs to a customer: a request to an
unknown address is stored like any other and simply never reaches anyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from apps.wallets import conf
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import MoneyRequest, Wallet
from apps.wallets.services import transfers
from apps.wallets.services.transfers import TransferResult
from bankcore.money import Money
from bankcore.notifications import notify


def request_create(
    *, customer_id: int, address: str, amount: Money, note: str, now: datetime, expires_in: timedelta | None = None
) -> int:
    """Ask whoever ``address`` names for ``amount`` into the requester's wallet in that currency; returns the id."""
    from apps.wallets.services.wallets import wallet_open

    if amount.minor <= 0:
        raise WalletRefused("The amount must be greater than zero.", code="invalid_amount")
    note = (note or "").strip()
    if len(note) > transfers.MAX_NOTE:
        raise WalletRefused(f"A note is at most {transfers.MAX_NOTE} characters.", code="invalid_note")
    wallet_open(customer_id=customer_id, currency=amount.currency, now=now)
    payer_id = transfers.recipient_resolve(address=address)
    if payer_id == customer_id:
        raise WalletRefused("You cannot ask yourself for money.", code="to_self")
    ttl = expires_in or conf.REQUEST_TTL_DEFAULT
    with transaction.atomic():
        request = MoneyRequest.objects.create(
            requester_id=customer_id, payer_id=payer_id, address=address.strip(), amount_minor=amount.minor,
            currency=amount.currency, note=note, created_at=now, expires_at=now + ttl,
        )  # fmt: skip
        if payer_id is not None:
            notify(
                customer_id=payer_id, kind="wallets.activity",
                title=f"{transfers.users_name(customer_id)} asks you for {amount.format()}",
                body=note, link=f"/app/wallets/requests/{request.pk}/", now=now,
            )  # fmt: skip
    return request.pk


def _pending_for_payer(*, customer_id: int, request_id: int, now: datetime) -> MoneyRequest:
    request = MoneyRequest.objects.select_for_update().filter(pk=request_id, payer_id=customer_id).first()
    if request is None:
        raise WalletNotFound("No such request.")
    if request.status != MoneyRequest.Status.PENDING:
        raise WalletRefused(f"This request is {request.get_status_display().lower()}.", code="request_not_pending")
    if now >= request.expires_at:
        raise WalletRefused("This request has expired.", code="request_expired")
    return request


def request_pay(
    *, customer_id: int, request_id: int, idempotency_key: str, now: datetime, challenge_id: int | None = None
) -> TransferResult:
    """Pay a request addressed to the customer, from their wallet in its currency, in one step."""
    with transaction.atomic():
        request = _pending_for_payer(customer_id=customer_id, request_id=request_id, now=now)
        source = Wallet.objects.filter(customer_id=customer_id, currency=request.currency).first()
        if source is None:
            raise WalletRefused(f"You have no {request.currency} wallet to pay from.", code="no_wallet")
        target = Wallet.objects.get(customer_id=request.requester_id, currency=request.currency)
        return transfers.p2p_send(
            customer_id=customer_id, source_wallet_id=source.pk, address=request_address(request),
            amount=Money(request.amount_minor, request.currency), note=request.note, idempotency_key=idempotency_key,
            now=now, challenge_id=challenge_id, recipient_wallet_id=target.pk, request_id=request.pk,
        )  # fmt: skip


def request_address(request: MoneyRequest) -> str:
    """The payee the payer approves: the requester's e-mail (the payer was told who asks)."""
    return str(request.requester.email)


@transaction.atomic
def request_decline(*, customer_id: int, request_id: int, now: datetime) -> None:
    """Decline a request addressed to the customer; the requester is told."""
    request = _pending_for_payer(customer_id=customer_id, request_id=request_id, now=now)
    request.status = MoneyRequest.Status.DECLINED
    request.decided_at = now
    request.save(update_fields=["status", "decided_at"])
    notify(
        customer_id=request.requester_id, kind="wallets.activity", title="Your request was declined",
        body=f"{Money(request.amount_minor, request.currency).format()} from {request.address}", link="/app/wallets/",
        now=now,
    )  # fmt: skip


def requests_expire(*, now: datetime) -> int:
    """Mark every pending request past its expiry as expired; returns how many (safe twice)."""
    return MoneyRequest.objects.filter(status=MoneyRequest.Status.PENDING, expires_at__lte=now).update(
        status=MoneyRequest.Status.EXPIRED, decided_at=now
    )
