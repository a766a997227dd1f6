"""P2P transfers between customers' wallets: the money-moving spine, once.

validate → lock both sides (every wallet of the recipient and the sender's, ascending ids) →
SCA (a used challenge or a recorded exemption) → KYC limits (``wallet_out`` of the sender,
``wallet_balance`` of the recipient after the credit, to the cent) → fraud decision → ledger
(post on allow, hold on review, nothing on block) → events, all in one transaction and
idempotent on (sender, key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from apps.fraud import interface as fraud
from apps.kyc import interface as kyc
from apps.wallets import events as names
from apps.wallets.errors import WalletNotFound, WalletRefused
from apps.wallets.models import MoneyRequest, Wallet, WalletPhone, WalletTransfer
from apps.wallets.services import recovery, sca_gate
from apps.wallets.services.phones import phone_normalise
from bankcore import events
from bankcore.fx import selectors as fx
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.money import Money
from bankcore.notifications import notify, notify_at_most_daily
from bankcore.users import services as users
from bankcore.users.models import User

REVIEW_HOLD = timedelta(days=30)  # a fraud case decides long before; the hold must outlive it
MAX_NOTE = 140


@dataclass(frozen=True)
class TransferResult:
    id: int
    status: str
    amount: Money
    sca_exemption: str


def sca_details(*, source_wallet_id: int, address: str, amount: Money) -> dict[str, str | int]:
    """What the customer approves with a code (the dynamic link): wallet, payee as typed, amount."""
    return {"source_wallet": source_wallet_id, "payee": address.strip().lower(), "amount": amount.to_decimal_string(),
            "currency": amount.currency}  # fmt: skip


def recipient_resolve(*, address: str) -> int | None:
    """The customer an e-mail or phone number names, or None. Only ever called once the sender confirmed."""
    text = address.strip()
    if "@" in text:
        return users.user_id_for_email(email=text)
    try:
        number = phone_normalise(text)
    except WalletRefused:
        return None
    return WalletPhone.objects.filter(phone=number).values_list("customer_id", flat=True).first()


def _eur_total(wallets: list[Wallet], *, currency: str, add_minor: int, now: datetime, leaving: Money | None) -> Money:
    """What the customer holds over all wallets in EUR once ``add_minor`` of ``currency`` arrives
    (and ``leaving``, when given, has gone)."""
    total = 0
    for wallet in wallets:
        minor = ledger_read.balance(account_id=wallet.ledger_account_id).minor
        if wallet.currency == currency:
            minor += add_minor
        if leaving is not None and wallet.currency == leaving.currency:
            minor -= leaving.minor
        if minor > 0:
            total += fx.money_to_eur(amount=Money(minor, wallet.currency), now=now).minor
    return Money(total, "EUR")


def balance_limit_check(
    *, customer_id: int, wallets: list[Wallet], amount: Money, now: datetime, leaving: Money | None = None
) -> None:
    """Refuse if ``amount`` arriving would put the customer's wallets over their tier's held limit.

    ``leaving`` is what leaves one of these wallets in the same entry (the sold side of a
    conversion): the limit is on what the customer holds afterwards, not on both sides at once.
    """
    try:
        total = _eur_total(wallets, currency=amount.currency, add_minor=amount.minor, now=now, leaving=leaving)
        if total.minor <= 0:
            return  # nothing held afterwards (money repaying a wallet still below zero): no limit to reach
        kyc.limits_check(customer_id=customer_id, kind=kyc.LimitKind.WALLET_BALANCE, amount=total, now=now)
    except kyc.RateUnavailable as refused:
        raise WalletRefused(str(refused), code=refused.code) from None


def _refuse_limit(refused: kyc.LimitExceeded, *, whose: str) -> WalletRefused:
    if whose == "recipient":
        # The recipient's limits are theirs: say no more than that the money cannot be received.
        return WalletRefused("The recipient cannot receive this amount now.", code="recipient_limit")
    return WalletRefused(str(refused), code=refused.code)


def _same_request(transfer: WalletTransfer, *, source: Wallet, address: str, amount: Money) -> TransferResult:
    if (transfer.source_wallet_id, transfer.address, transfer.amount_minor, transfer.currency) != (
        source.pk, address, amount.minor, amount.currency,
    ):  # fmt: skip
        raise WalletRefused("This key was used for another transfer.", code="idempotency_key_reused")
    return _result(transfer)


def _result(transfer: WalletTransfer) -> TransferResult:
    return TransferResult(
        id=transfer.pk, status=transfer.status, amount=Money(transfer.amount_minor, transfer.currency),
        sca_exemption=transfer.sca_exemption,
    )  # fmt: skip


def _check_input(*, amount: Money, note: str) -> None:
    if not isinstance(amount, Money) or amount.minor <= 0:
        raise WalletRefused("The amount must be greater than zero.", code="invalid_amount", input_error=True)
    if len(note) > MAX_NOTE or any(ord(c) < 32 for c in note):
        raise WalletRefused(
            f"A note is at most {MAX_NOTE} characters on one line.", code="invalid_note", input_error=True
        )


def _lock(*, source_id: int, recipient_id: int) -> tuple[Wallet, list[Wallet]]:
    """Lock the sender's wallet and all of the recipient's, ascending ids: no deadlock, exact limits."""
    ids = {source_id, *Wallet.objects.filter(customer_id=recipient_id).values_list("pk", flat=True)}
    locked = list(Wallet.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    source = next(w for w in locked if w.pk == source_id)
    return source, [w for w in locked if w.customer_id == recipient_id]


def spend_check(*, wallet: Wallet, amount: Money) -> None:
    """Refuse spending from a wallet that is not active or lacks the money (call under its lock)."""
    if wallet.status == Wallet.Status.FROZEN:
        raise WalletRefused("This wallet is frozen; contact support.", code="wallet_frozen")
    if wallet.status == Wallet.Status.RECOVERY:
        raise WalletRefused(
            "This wallet owes money after a chargeback: top it up to repay first.", code="wallet_in_recovery"
        )
    if amount.currency != wallet.currency:
        raise WalletRefused(f"This wallet holds {wallet.currency}.", code="currency_mismatch")
    available = ledger_read.available_balance(account_id=wallet.ledger_account_id)
    if available.minor < amount.minor:
        raise WalletRefused(f"You have {available.format()} available.", code="insufficient_funds")


def p2p_send(
    *,
    customer_id: int,
    source_wallet_id: int,
    address: str,
    amount: Money,
    note: str,
    idempotency_key: str,
    now: datetime,
    challenge_id: int | None = None,
    recipient_wallet_id: int | None = None,
    secure_corporate: bool = False,
    request_id: int | None = None,
) -> TransferResult:
    """Send ``amount`` from the customer's wallet to whoever ``address`` (e-mail or phone) names.

    ``challenge_id`` is an approved SCA challenge over ``sca_details``; without one a low-value
    exemption is asked of ``bankcore.sca`` (``sca_required`` when none applies).
    ``secure_corporate`` is the partner API's door: a partner acting for its own business
    customer (PSD2 RTS art. 17); that exemption is recorded and counted like the others.
    ``recipient_wallet_id`` names the target wallet directly (a QR code, a request).
    Idempotent on (customer, ``idempotency_key``).
    """
    address = address.strip()
    note = (note or "").strip()
    _check_input(amount=amount, note=note)
    source = Wallet.objects.filter(pk=source_wallet_id, customer_id=customer_id).first()
    if source is None:
        raise WalletNotFound("No such wallet.")
    if amount.currency != source.currency:
        # Before the recipient is looked at: otherwise "the recipient has no JPY wallet" would
        # offer them a wallet no one can open, and say something about them for a typing error.
        raise WalletRefused(f"This wallet holds {source.currency}; send {source.currency}.", code="currency_mismatch")
    if recipient_wallet_id is not None:
        # Named before a retry is compared with the first request, which stored it so.
        address = address or f"wallet:{recipient_wallet_id}"
    earlier = WalletTransfer.objects.filter(sender_id=customer_id, idempotency_key=idempotency_key).first()
    if earlier is not None:
        return _same_request(earlier, source=source, address=address, amount=amount)
    if recipient_wallet_id is not None:
        target_row = Wallet.objects.filter(pk=recipient_wallet_id).first()
        recipient_id = target_row.customer_id if target_row is not None else None
    else:
        recipient_id = recipient_resolve(address=address)
    if recipient_id is None:
        raise WalletRefused("Nobody can receive wallet money at that address.", code="unknown_recipient")
    if recipient_id == customer_id:
        raise WalletRefused("You cannot send money to yourself; use convert between your wallets.", code="to_self")
    try:
        with transaction.atomic():
            return _send_locked(
                customer_id=customer_id, source=source, recipient_id=recipient_id, address=address, amount=amount,
                note=note, key=idempotency_key, now=now, challenge_id=challenge_id, secure_corporate=secure_corporate,
                request_id=request_id,
            )  # fmt: skip
    except WalletRefused as refused:
        if refused.code == "recipient_no_wallet":
            _tell_no_wallet(recipient_id=recipient_id, currency=amount.currency, now=now)
        raise
    except IntegrityError:
        earlier = WalletTransfer.objects.filter(sender_id=customer_id, idempotency_key=idempotency_key).first()
        if earlier is None:
            raise
        return _same_request(earlier, source=source, address=address, amount=amount)


def _send_locked(
    *, customer_id: int, source: Wallet, recipient_id: int, address: str, amount: Money, note: str, key: str,
    now: datetime, challenge_id: int | None, secure_corporate: bool, request_id: int | None,
) -> TransferResult:  # fmt: skip
    source, recipient_wallets = _lock(source_id=source.pk, recipient_id=recipient_id)
    earlier = WalletTransfer.objects.filter(sender_id=customer_id, idempotency_key=key).first()
    if earlier is not None:  # a concurrent retry won the lock first
        return _same_request(earlier, source=source, address=address, amount=amount)
    target = next((w for w in recipient_wallets if w.currency == amount.currency), None)
    if target is None:
        # The recipient is told by p2p_send once this transaction is rolled back (a row written
        # here would go with it).
        raise WalletRefused(
            f"The recipient has no {amount.currency} wallet; we have told them how to open one.",
            code="recipient_no_wallet",
        )
    if target.status == Wallet.Status.FROZEN:
        raise WalletRefused("That wallet cannot receive money now.", code="recipient_frozen")
    spend_check(wallet=source, amount=amount)
    try:
        kyc.limits_check(customer_id=customer_id, kind=kyc.LimitKind.WALLET_OUT, amount=amount, now=now)
    except kyc.LimitExceeded as refused:
        raise _refuse_limit(refused, whose="sender") from None
    except kyc.RateUnavailable as refused:
        raise WalletRefused(str(refused), code=refused.code) from None
    try:
        balance_limit_check(customer_id=recipient_id, wallets=recipient_wallets, amount=amount, now=now)
    except kyc.LimitExceeded as refused:
        raise _refuse_limit(refused, whose="recipient") from None
    transfer = WalletTransfer(
        sender_id=customer_id, recipient_id=recipient_id, source_wallet=source, target_wallet=target,
        amount_minor=amount.minor, currency=amount.currency, address=address, note=note,
        idempotency_key=key, created_at=now, status=WalletTransfer.Status.COMPLETED,
    )  # fmt: skip
    ref_details = sca_details(source_wallet_id=source.pk, address=address, amount=amount)
    if challenge_id is not None:
        sca_gate.challenge_use(customer_id=customer_id, challenge_id=challenge_id, details=ref_details, now=now)
        transfer.sca_challenge_id = challenge_id
    else:
        transfer.sca_exemption = sca_gate.exemption_choose(
            customer_id=customer_id, amount=amount, now=now, secure_corporate=secure_corporate
        )
    transfer.save()
    reference = f"wallet-transfer:{transfer.pk}"
    if transfer.sca_exemption:
        sca_gate.exemption_apply(
            customer_id=customer_id, exemption=transfer.sca_exemption, amount=amount, ref=reference, now=now
        )
    names_of = _names(customer_id, recipient_id)
    sender_name = names_of.get(customer_id, "")
    decision = fraud.transaction_decide(
        txn=fraud.ProposedTransaction(
            reference=reference, customer_id=customer_id, amount=amount, counterparty_key=f"wallet:{target.pk}",
            counterparty_name=names_of.get(recipient_id, ""), channel="wallet", direction="out", occurred_at=now,
            account_opened_at=source.created_at,
        ),
        now=now,
    )  # fmt: skip
    transfer.fraud_outcome = decision.outcome
    if decision.outcome == "block":
        transfer.status = WalletTransfer.Status.REJECTED
        transfer.completed_at = now
        transfer.save(update_fields=["status", "fraud_outcome", "completed_at"])
        _publish(transfer, names.TRANSFER_SENT)
        return _result(transfer)
    kyc.limits_record(customer_id=customer_id, kind=kyc.LimitKind.WALLET_OUT, amount=amount, ref=reference, now=now)
    description = f"Wallet transfer {transfer.pk}" + (f": {note}" if note else "")
    if decision.outcome == "review":
        transfer.hold_id = ledger.hold_create(
            account_id=source.ledger_account_id, amount=amount, idempotency_key=reference, expires_at=now + REVIEW_HOLD,
            now=now, description=description,
        )  # fmt: skip
        transfer.status = WalletTransfer.Status.HELD
    else:
        transfer.entry_id = ledger.transfer(
            from_account_id=source.ledger_account_id, to_account_id=target.ledger_account_id, amount=amount,
            idempotency_key=reference, description=description,
        )  # fmt: skip
        transfer.completed_at = now
    transfer.save(update_fields=["status", "fraud_outcome", "entry_id", "hold_id", "completed_at"])
    if transfer.status == WalletTransfer.Status.COMPLETED:
        # Money received is how a wallet in recovery repays (target is locked above).
        recovery.recovery_settle(wallet=target, now=now)
    if request_id is not None:
        _request_paid(request_id=request_id, transfer=transfer, now=now)
    _publish(transfer, names.TRANSFER_SENT)
    if transfer.status == WalletTransfer.Status.COMPLETED:
        _arrived(transfer, sender_name=sender_name, now=now)
    return _result(transfer)


def _tell_no_wallet(*, recipient_id: int, currency: str, now: datetime) -> None:
    """Offer the recipient a wallet in ``currency`` (the refusal told the sender we would), once a day."""
    notify_at_most_daily(
        customer_id=recipient_id, kind="wallets.activity", title=f"Someone tried to send you {currency}",
        body=f"Open a {currency} wallet to receive money in {currency}.", link="/app/wallets/", now=now,
    )  # fmt: skip


def _names(*customer_ids: int) -> dict[int, str]:
    """The customers' display names in one read (the sender's and the recipient's on every send)."""
    users = User.objects.filter(pk__in=customer_ids).only("full_name", "email")
    return {user.pk: user.get_full_name() for user in users}


def users_name(customer_id: int) -> str:
    user = User.objects.filter(pk=customer_id).only("full_name", "email").first()
    return user.get_full_name() if user is not None else ""


def _request_paid(*, request_id: int, transfer: WalletTransfer, now: datetime) -> None:
    MoneyRequest.objects.filter(pk=request_id, status=MoneyRequest.Status.PENDING).update(
        status=MoneyRequest.Status.PAID, transfer=transfer, decided_at=now
    )


def _publish(transfer: WalletTransfer, name: str) -> None:
    out = name == names.TRANSFER_SENT
    events.publish(
        name,
        {
            "transfer_id": transfer.pk,
            "wallet_id": transfer.source_wallet_id if out else transfer.target_wallet_id,
            "customer_id": transfer.sender_id if out else transfer.recipient_id,
            "amount_minor": transfer.amount_minor,
            "currency": transfer.currency,
            "status": transfer.status,
        },
    )


def _arrived(transfer: WalletTransfer, *, sender_name: str, now: datetime) -> None:
    _publish(transfer, names.TRANSFER_RECEIVED)
    amount = Money(transfer.amount_minor, transfer.currency)
    notify(
        customer_id=transfer.recipient_id, kind="wallets.activity", title=f"You received {amount.format()}",
        body=f"From {sender_name}" + (f": {transfer.note}" if transfer.note else ""), link="/app/wallets/", now=now,
    )  # fmt: skip
