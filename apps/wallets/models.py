"""wallets: e-money wallets, their transfers, requests, FX quotes and card top-ups. No logic here.

Amounts are integer minor units (``*_minor``) beside their ISO 4217 ``currency``; the money itself
lives in the ledger (each wallet owns one ledger account), these rows say why it moved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Currency(models.TextChoices):
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    USD = "USD", "US dollar"
    HKD = "HKD", "Hong Kong dollar"


class Wallet(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FROZEN = "frozen", "Frozen"  # by the back office: nothing in, nothing out
        # A chargeback took it below zero: it may receive (to repay), never spend.
        RECOVERY = "recovery", "In recovery"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallets")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    ledger_account_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "currency"], name="wallet_one_per_currency"),
            models.CheckConstraint(
                condition=Q(currency__in=["EUR", "GBP", "USD", "HKD"]), name="wallet_currency_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "frozen", "recovery"]), name="wallet_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"wallet #{self.pk} {self.currency} of {self.customer_id} ({self.status})"


class WalletPhone(models.Model):
    """A verified phone number a customer receives wallet money by (E.164): one number, one customer.

    A row exists only once the customer entered the code sent to the number (``PhoneClaim``);
    a P2P lookup by phone finds nothing else.
    """

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet_phone")
    phone = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField()  # when it was verified
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.phone} → {self.customer_id}"


class PhoneClaim(models.Model):
    """A number a customer asked to receive money by, and the one-time code that proves they hold it.

    One row a customer, kept after use: the send counters outlive a change of number, so asking
    for another number does not reset the rate limit. Only a keyed hash of the code is stored.
    """

    customer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64, blank=True)  # "" once used, or before a code was sent
    code_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # wrong codes entered against this code
    sent_at = models.DateTimeField(null=True, blank=True)
    window_started_at = models.DateTimeField(null=True, blank=True)
    sends_in_window = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"claim of {self.phone} by {self.customer_id}"


class WalletTransfer(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        HELD = "held_for_review", "Held for review"  # fraud review: the money is on hold
        REJECTED = "rejected", "Rejected"  # the fraud case refused it: the hold was released

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="sent")
    target_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="received")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # What the sender typed (an e-mail, a phone number, a wallet id): shown back, never resolved for them.
    address = models.CharField(max_length=254)
    note = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    idempotency_key = models.CharField(max_length=200)
    # How strong customer authentication was met: a used challenge, or the exemption that applied.
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    sca_exemption = models.CharField(max_length=40, blank=True)
    fraud_outcome = models.CharField(max_length=10, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    hold_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "idempotency_key"], name="wallet_transfer_key_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="wallet_transfer_positive"),
            models.CheckConstraint(condition=~Q(sender=F("recipient")), name="wallet_transfer_not_to_self"),
            models.CheckConstraint(
                condition=Q(sca_challenge_id__isnull=False) | ~Q(sca_exemption=""), name="wallet_transfer_sca_met"
            ),
        ]
        indexes = [models.Index(fields=["sender", "-created_at"], name="wallet_transfer_sender_idx")]

    def __str__(self) -> str:
        return f"transfer #{self.pk} {self.amount_minor} {self.currency} ({self.status})"


class MoneyRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        PAID = "paid", "Paid"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Resolved when the request is made but never shown to the requester: unknown addresses
    # get a request nobody sees, so asking cannot probe who is a customer.
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    address = models.CharField(max_length=254)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=140, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    transfer = models.OneToOneField(WalletTransfer, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="money_request_positive"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="money_request_expires_after"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(transfer__isnull=False), name="money_request_paid_has_transfer"
            ),
        ]

    def __str__(self) -> str:
        return f"request #{self.pk} {self.amount_minor} {self.currency} ({self.status})"


class FxQuote(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        EXECUTED = "executed", "Executed"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="+")
    target_wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="+")
    sell_minor = models.BigIntegerField()
    sell_currency = models.CharField(max_length=3)
    buy_minor = models.BigIntegerField()
    buy_currency = models.CharField(max_length=3)
    # target units per source unit the customer gets (mid less the spread), and what it came from
    rate = models.DecimalField(max_digits=30, decimal_places=12)
    mid = models.DecimalField(max_digits=30, decimal_places=12)
    spread_bps = models.PositiveIntegerField()
    reference_rate_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    executed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sell_minor__gt=0) & Q(buy_minor__gt=0), name="fx_quote_positive"),
            models.CheckConstraint(condition=~Q(sell_currency=F("buy_currency")), name="fx_quote_two_currencies"),
            models.CheckConstraint(
                condition=~Q(status="executed") | Q(entry_id__isnull=False), name="fx_quote_executed_has_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"quote #{self.pk} {self.sell_currency}->{self.buy_currency} ({self.status})"


class TopUp(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", "Waiting for the card"
        AUTHORISED = "authorised", "Authorised"  # held on the acquirer clearing account
        CAPTURED = "captured", "Added to the wallet"
        DECLINED = "declined", "Declined"
        FAILED = "failed", "Capture failed"
        CHARGED_BACK = "charged_back", "Charged back"
        REFUNDED = "refunded", "Refunded"
        # The wallet could not take it at capture time (held limit, frozen): voided before the
        # capture, or given back to the card after it; the wallet was never credited.
        CANCELLED = "cancelled", "Cancelled: the wallet cannot take it"
        RETURNED = "returned", "Given back to the card: the wallet cannot take it"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="topups")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.CREATED)
    idempotency_key = models.CharField(max_length=200)
    # The acquirer's ids and what it tells about the card; never the card number (PCI DSS SAQ A).
    intent_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    card_token = models.CharField(max_length=64, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    decline_reason = models.CharField(max_length=100, blank=True)
    hold_id = models.BigIntegerField(null=True, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    chargeback_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="topup_key_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="topup_positive"),
            models.CheckConstraint(condition=Q(card_last4="") | Q(card_last4__regex=r"^[0-9]{4}$"), name="topup_last4"),
        ]

    def __str__(self) -> str:
        return f"top-up #{self.pk} {self.amount_minor} {self.currency} ({self.status})"


class WebhookReceipt(models.Model):
    """Every acquirer webhook id the bank accepted: a second delivery of one is a replay."""

    webhook_id = models.CharField(max_length=100, unique=True)
    event_type = models.CharField(max_length=60)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_type}"


class Recovery(models.Model):
    """A wallet a chargeback took below zero: what is owed and how it ended."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REPAID = "repaid", "Repaid"
        WRITTEN_OFF = "written_off", "Written off"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="recoveries")
    topup = models.OneToOneField(TopUp, on_delete=models.PROTECT, related_name="recovery")
    owed_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    write_off_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "recoveries"
        constraints = [models.CheckConstraint(condition=Q(owed_minor__gt=0), name="recovery_owed_positive")]

    def __str__(self) -> str:
        return f"recovery #{self.pk} {self.owed_minor} {self.currency} ({self.status})"


class BankAccount(models.Model):
    """The bank's own ledger accounts the wallets book against, one per purpose and currency."""

    class Purpose(models.TextChoices):
        ACQUIRER_CLEARING = "acquirer_clearing", "Card acquirer clearing"  # what the acquirer owes us
        FX_POSITION = "fx_position", "FX position"
        CHARGEBACK_LOSS = "chargeback_loss", "Chargeback losses"
        EMONEY_REDEMPTION = "emoney_redemption", "E-money redemptions"  # pays withdrawals out

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    currency = models.CharField(max_length=3)
    ledger_account_id = models.BigIntegerField(unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["purpose", "currency"], name="wallet_bank_account_once")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.currency} → ledger {self.ledger_account_id}"


class Withdrawal(models.Model):
    """Redeeming e-money at par to a bank account: the wallet pays the bank's e-money account,
    which makes an ordinary payment (``apps.payments``); a rejected or returned payment comes back."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Sent to the bank account"
        REFUNDED = "refunded", "Came back to the wallet"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="withdrawals")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    creditor_iban = models.CharField(max_length=34)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    idempotency_key = models.CharField(max_length=200)
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    sca_exemption = models.CharField(max_length=40, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    payment_id = models.BigIntegerField(null=True, blank=True, unique=True)
    refund_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="withdrawal_key_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="withdrawal_positive"),
        ]

    def __str__(self) -> str:
        return f"withdrawal #{self.pk} {self.amount_minor} {self.currency} ({self.status})"
