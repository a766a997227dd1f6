"""Card top-ups through the acquirer: intent, the acquirer's card page, authorisation, capture, chargeback.

The bank never sees a card number (PCI DSS SAQ A): it creates an intent, sends the customer to
the acquirer's page, and learns what happened only from webhooks signed per Standard Webhooks,
verified with ``standardwebhooks.Webhook`` (five minutes' timestamp tolerance) and refused when
their ``webhook-id`` was seen before. Booking:
- authorised: a hold of the amount on the bank's acquirer clearing account;
- captured: the hold is captured into the wallet (clearing debited: the acquirer owes us);
- capture failed: the hold is released; declined: nothing was held;
- the wallet cannot take it any more when the capture comes (another credit used the held
  limit, or it was frozen): the hold is released and the money never reaches the wallet; the
  authorisation is voided at the acquirer before the capture, or refunded after it;
- chargeback: the wallet is debited back to clearing, below zero if the money was spent
  (the wallet then enters recovery, ``services.recovery``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from apps.kyc import interface as kyc
from apps.wallets import conf
from apps.wallets import events as names
from apps.wallets.errors import WalletRefused, WebhookRefused
from apps.wallets.models import BankAccount, TopUp, Wallet, WebhookReceipt
from apps.wallets.services import acquirer_client, recovery
from apps.wallets.services.transfers import balance_limit_check
from apps.wallets.services.wallets import bank_account, wallet_open
from bankcore import events
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.values import Leg
from bankcore.money import Money
from bankcore.notifications import notify

AUTHORISATION_HOLD = timedelta(days=7)  # card schemes keep an authorisation about this long
REFUND_ACTION = "wallets.topup_refund"
MAX_TOPUP_MINOR = 1_000_000  # 10,000.00 a top-up: a card is not how large sums arrive


def webhook_url() -> str:
    return f"{conf.bank_base_url()}/app/wallets/acquirer/webhook/"


def topup_start(
    *, customer_id: int, currency: str, amount: Money, idempotency_key: str, now: datetime
) -> tuple[int, str]:
    """Start a card top-up: returns the top-up id and the acquirer page to send the customer to.

    Refused before anything is asked of the acquirer when the wallet is frozen or the amount
    would take the customer over their tier's held limit.
    """
    if amount.currency != currency or not 0 < amount.minor <= MAX_TOPUP_MINOR:
        raise WalletRefused(
            f"Top up between 0.01 and {Money(MAX_TOPUP_MINOR, currency).format()}.", code="invalid_amount"
        )
    wallet = wallet_open(customer_id=customer_id, currency=currency, now=now)
    earlier = TopUp.objects.filter(customer_id=customer_id, idempotency_key=idempotency_key).first()
    if earlier is None:
        if wallet.status == Wallet.Status.FROZEN:
            raise WalletRefused("This wallet is frozen; contact support.", code="wallet_frozen")
        wallets = list(Wallet.objects.filter(customer_id=customer_id))
        try:
            balance_limit_check(customer_id=customer_id, wallets=wallets, amount=amount, now=now)
        except kyc.LimitExceeded as refused:
            raise WalletRefused(str(refused), code=refused.code) from None
        try:
            with transaction.atomic():
                earlier = TopUp.objects.create(
                    customer_id=customer_id, wallet=wallet, amount_minor=amount.minor, currency=currency,
                    idempotency_key=idempotency_key, created_at=now, updated_at=now,
                )  # fmt: skip
        except IntegrityError:
            earlier = TopUp.objects.get(customer_id=customer_id, idempotency_key=idempotency_key)
    topup = earlier
    if (topup.amount_minor, topup.currency) != (amount.minor, amount.currency):
        raise WalletRefused("This key was used for another top-up.", code="idempotency_key_reused")
    if topup.intent_id is None:
        # Outside any transaction: the call to the acquirer must not hold the bank's locks.
        intent_id, _ = acquirer_client.intent_create(
            amount_minor=amount.minor, currency=currency, reference=f"topup:{topup.pk}",
            return_url=f"{conf.bank_base_url()}/app/wallets/topups/{topup.pk}/", webhook_url=webhook_url(),
        )  # fmt: skip
        TopUp.objects.filter(pk=topup.pk, intent_id__isnull=True).update(intent_id=intent_id, updated_at=now)
        topup.refresh_from_db()
    return topup.pk, f"{conf.acquirer_base_url()}/pay/{topup.intent_id}/"


def webhook_verify(*, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """The parsed message if the acquirer signed it within the tolerance; ``WebhookRefused`` otherwise."""
    try:
        message = Webhook(conf.acquirer_webhook_secret()).verify(body, headers)
    except WebhookVerificationError as error:
        raise WebhookRefused(f"Webhook refused: {error}.", code="webhook_signature") from None
    except (ValueError, TypeError):
        raise WebhookRefused("Webhook refused: malformed signature headers.", code="webhook_signature") from None
    if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
        raise WebhookRefused("Webhook refused: the body is not an event.", code="webhook_malformed")
    return message


def webhook_receive(*, body: bytes, headers: dict[str, str], now: datetime) -> str:
    """Verify and apply one acquirer webhook, once; returns what it did.

    The webhook id is stored in the transaction that applies the event: a replay (the same id
    again) is refused with ``webhook_replayed`` and changes nothing.
    """
    message = webhook_verify(body=body, headers=headers)
    webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                webhook_id=webhook_id, event_type=str(message.get("type", "")), received_at=now
            )
            outcome = _apply(str(message.get("type", "")), message["data"], now=now)
    except IntegrityError:
        raise WebhookRefused("Webhook refused: this message was already received.", code="webhook_replayed") from None
    return outcome


def _topup_for(data: dict[str, Any]) -> TopUp:
    topup = TopUp.objects.select_for_update().filter(intent_id=str(data.get("intent_id", ""))).first()
    if topup is None or data.get("reference") != f"topup:{topup.pk}":
        raise WebhookRefused("Webhook refused: it names no top-up of ours.", code="webhook_unknown_intent")
    if (data.get("amount_minor"), data.get("currency")) != (topup.amount_minor, topup.currency):
        raise WebhookRefused("Webhook refused: its amount is not the top-up's.", code="webhook_mismatch")
    return topup


def _apply(event_type: str, data: dict[str, Any], *, now: datetime) -> str:
    handlers = {
        "payment_intent.authorised": _authorised,
        "payment_intent.declined": _declined,
        "payment_intent.captured": _captured,
        "payment_intent.capture_failed": _capture_failed,
        "payment_intent.chargeback": _chargeback,
        "payment_intent.cancelled": _acknowledged,
        "payment_intent.refunded": _acknowledged,
    }
    handler = handlers.get(event_type)
    if handler is None:
        return "ignored"
    topup = _topup_for(data)
    return handler(topup, data, now)


def _save(topup: TopUp, now: datetime, *fields: str) -> None:
    topup.updated_at = now
    topup.save(update_fields=["status", "updated_at", *fields])


def _authorised(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    if topup.status != TopUp.Status.CREATED:
        return "already"
    card = data.get("card") or {}
    topup.card_token = str(card.get("token", ""))[:64]
    topup.card_brand = str(card.get("brand", ""))[:20]
    last4 = str(card.get("last4", ""))
    topup.card_last4 = last4 if len(last4) == 4 and last4.isdigit() else ""
    wallets = list(Wallet.objects.select_for_update().filter(customer_id=topup.customer_id).order_by("pk"))
    amount = Money(topup.amount_minor, topup.currency)
    try:
        balance_limit_check(customer_id=topup.customer_id, wallets=wallets, amount=amount, now=now)
    except (kyc.LimitExceeded, WalletRefused) as refused:
        # Nothing is held or captured: the authorisation lapses at the acquirer and the card is never charged.
        topup.status = TopUp.Status.DECLINED
        topup.decline_reason = f"wallet limit: {refused}"[:100]
        _save(topup, now, "card_token", "card_brand", "card_last4", "decline_reason")
        return "declined_by_bank"
    clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency=topup.currency)
    topup.hold_id = ledger.hold_create(
        account_id=clearing, amount=amount, idempotency_key=f"topup:{topup.pk}:authorisation",
        expires_at=now + AUTHORISATION_HOLD, now=now, description=f"Card top-up {topup.pk} authorised",
    )  # fmt: skip
    topup.status = TopUp.Status.AUTHORISED
    _save(topup, now, "card_token", "card_brand", "card_last4", "hold_id")
    from apps.wallets import tasks

    topup_id = topup.pk
    transaction.on_commit(lambda: tasks.topup_capture.delay(topup_id=topup_id))
    return "authorised"


def _declined(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    if topup.status != TopUp.Status.CREATED:
        return "already"
    topup.status = TopUp.Status.DECLINED
    topup.decline_reason = str(data.get("reason", "declined"))[:100]
    _save(topup, now, "decline_reason")
    return "declined"


def _refusal_at_capture(topup: TopUp, now: datetime) -> str:
    """Why the wallet cannot take the top-up now ("" when it can), under every wallet lock of the customer.

    All of them, ascending ids, as a P2P send to the customer locks them: no other credit can
    slip between this check and the booking that follows it in the same transaction.
    """
    wallets = list(Wallet.objects.select_for_update().filter(customer_id=topup.customer_id).order_by("pk"))
    wallet = next(w for w in wallets if w.pk == topup.wallet_id)
    if wallet.status == Wallet.Status.FROZEN:
        return "wallet frozen"
    try:
        balance_limit_check(
            customer_id=topup.customer_id, wallets=wallets, amount=Money(topup.amount_minor, topup.currency), now=now
        )
    except (kyc.LimitExceeded, WalletRefused) as refused:
        return f"wallet limit: {refused}"
    return ""


def _not_taken(topup: TopUp, *, status: str, reason: str, now: datetime) -> None:
    """The wallet cannot take an authorised top-up: release the clearing hold, tell the customer."""
    if topup.hold_id is not None and ledger_read.hold_get(hold_id=topup.hold_id).status == "active":
        ledger.hold_release(hold_id=topup.hold_id, now=now)
    topup.status = status
    topup.decline_reason = reason[:100]
    _save(topup, now, "decline_reason")
    notify(
        customer_id=topup.customer_id, kind="wallets.activity", title="A card top-up was not added",
        body=f"Your wallet cannot take {Money(topup.amount_minor, topup.currency).format()} now (it would go over "
        "what your verification level lets it hold, or it is frozen); your card is not charged for it.",
        link=f"/app/wallets/topups/{topup.pk}/", now=now,
    )  # fmt: skip


def _captured(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    from apps.wallets import tasks

    topup_id = topup.pk
    if topup.status == TopUp.Status.CANCELLED:
        # Voided by the bank, captured anyway: the money goes back to the card.
        topup.status = TopUp.Status.RETURNED
        _save(topup, now)
        transaction.on_commit(lambda: tasks.topup_give_back.delay(topup_id=topup_id))
        return "returned"
    if topup.status != TopUp.Status.AUTHORISED:
        return "already"
    refusal = _refusal_at_capture(topup, now)
    if refusal:
        _not_taken(topup, status=TopUp.Status.RETURNED, reason=refusal, now=now)
        transaction.on_commit(lambda: tasks.topup_give_back.delay(topup_id=topup_id))
        return "returned"
    wallet = Wallet.objects.get(pk=topup.wallet_id)
    assert topup.hold_id is not None
    topup.entry_id = ledger.hold_capture(
        hold_id=topup.hold_id, to_account_id=wallet.ledger_account_id, idempotency_key=f"topup:{topup.pk}:capture",
        now=now, description=f"Card top-up {topup.pk} ({topup.card_brand} {topup.card_last4})",
    )  # fmt: skip
    topup.status = TopUp.Status.CAPTURED
    _save(topup, now, "entry_id")
    recovery.recovery_settle(wallet=wallet, now=now)
    amount = Money(topup.amount_minor, topup.currency)
    events.publish(
        names.TOPPED_UP,
        {"topup_id": topup.pk, "wallet_id": wallet.pk, "customer_id": topup.customer_id,
         "amount_minor": amount.minor, "currency": amount.currency},
    )  # fmt: skip
    notify(
        customer_id=topup.customer_id, kind="wallets.activity", title=f"{amount.format()} added to your wallet",
        body=f"Card top-up from {topup.card_brand} ending {topup.card_last4}.", link=f"/app/wallets/topups/{topup.pk}/",
        now=now,
    )  # fmt: skip
    return "captured"


def _capture_failed(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    if topup.status != TopUp.Status.AUTHORISED:
        return "already"
    assert topup.hold_id is not None
    ledger.hold_release(hold_id=topup.hold_id, now=now)
    topup.status = TopUp.Status.FAILED
    topup.decline_reason = str(data.get("reason", "capture failed"))[:100]
    _save(topup, now, "decline_reason")
    notify(
        customer_id=topup.customer_id, kind="wallets.activity", title="A card top-up did not go through",
        body="Your card issuer did not pay the top-up; nothing was added to your wallet.",
        link=f"/app/wallets/topups/{topup.pk}/", now=now,
    )  # fmt: skip
    return "capture_failed"


def _chargeback(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    if topup.status != TopUp.Status.CAPTURED:
        return "already"
    wallet = Wallet.objects.select_for_update().get(pk=topup.wallet_id)
    amount = Money(topup.amount_minor, topup.currency)
    clearing = bank_account(purpose=BankAccount.Purpose.ACQUIRER_CLEARING, currency=topup.currency)
    # The issuer took the money back from the acquirer, who takes it from the bank: the wallet
    # pays, below zero if it has to (the only way a wallet goes negative).
    topup.chargeback_entry_id = ledger.post_entry(
        legs=[Leg.debit(wallet.ledger_account_id, amount), Leg.credit(clearing, amount)],
        idempotency_key=f"topup:{topup.pk}:chargeback",
        description=f"Chargeback of card top-up {topup.pk}: {str(data.get('reason', ''))[:60]}",
    )
    topup.status = TopUp.Status.CHARGED_BACK
    _save(topup, now, "chargeback_entry_id")
    recovery.recovery_open(wallet=wallet, topup=topup, now=now)
    return "charged_back"


def topup_capture(*, topup_id: int, now: datetime) -> None:
    """Ask the acquirer for an authorised top-up's money, if the wallet can still take it (safe twice).

    When it cannot (another credit used the held limit since the authorisation, or the wallet was
    frozen) the bank voids the authorisation instead: the card is never charged. The capture's
    webhook checks again under the locks, since money may still arrive before it.
    """
    with transaction.atomic():
        topup = TopUp.objects.select_for_update().filter(pk=topup_id, status=TopUp.Status.AUTHORISED).first()
        if topup is None or not topup.intent_id:
            return
        intent_id = topup.intent_id
        refusal = _refusal_at_capture(topup, now)
        if refusal:
            _not_taken(topup, status=TopUp.Status.CANCELLED, reason=refusal, now=now)
    # Outside the transaction: the call to the acquirer must not hold the wallets' locks.
    if refusal:
        acquirer_client.intent_cancel(intent_id=intent_id)
    else:
        acquirer_client.intent_capture(intent_id=intent_id)


def topup_give_back(*, topup_id: int) -> None:
    """Refund at the acquirer a top-up the wallet could not take, or one the back office refunded (safe twice)."""
    topup = TopUp.objects.filter(pk=topup_id, status__in=[TopUp.Status.RETURNED, TopUp.Status.REFUNDED]).first()
    if topup is not None and topup.intent_id:
        acquirer_client.intent_refund(intent_id=topup.intent_id)


def _acknowledged(topup: TopUp, data: dict[str, Any], now: datetime) -> str:
    # The acquirer confirms a void or a refund the bank asked for; the bank booked nothing for them.
    return "acknowledged"


def refund_handler(payload: dict[str, Any], /, *, now: datetime) -> None:
    """Approved refund (``bankcore.approvals``): reverse the top-up's capture entry."""
    topup_refund(topup_id=int(payload["topup_id"]), now=now)


@transaction.atomic
def topup_refund(*, topup_id: int, now: datetime) -> int:
    """Give a disputed top-up back: a reversing entry of its capture; returns the reversal's id."""
    topup = TopUp.objects.select_for_update().get(pk=topup_id)
    if topup.status != TopUp.Status.CAPTURED or topup.entry_id is None:
        raise WalletRefused(
            f"A top-up that is {topup.get_status_display().lower()} cannot be refunded.", code="not_refundable"
        )
    wallet = Wallet.objects.select_for_update().get(pk=topup.wallet_id)
    from apps.wallets.services.transfers import spend_check

    spend_check(wallet=wallet, amount=Money(topup.amount_minor, topup.currency))
    reversal = ledger.entry_reverse(entry_id=topup.entry_id, reason=f"refund of card top-up {topup.pk}")
    topup.status = TopUp.Status.REFUNDED
    _save(topup, now)
    # The wallet gave the money back to clearing; the card gets it only when the acquirer is told.
    from apps.wallets import tasks

    transaction.on_commit(lambda: tasks.topup_give_back.delay(topup_id=topup_id))
    return reversal


def webhook_body_text(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))
