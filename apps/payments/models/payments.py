"""Payment orders and their timeline.

A payment's status changes only through ``services.payment_transition``, which checks
``TRANSITIONS`` under a row lock and writes a ``PaymentEvent``; the table below is the state
machine of DESIGN.md §5.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class PaymentStatus(models.TextChoices):
    AWAITING_SCA = "awaiting_sca", "Waiting for your approval"
    CHECKING = "checking", "Being checked"
    HELD_FOR_REVIEW = "held_for_review", "Held for review"
    ACCEPTED = "accepted", "Accepted"
    SUBMITTED = "submitted", "Sent to the clearing house"
    SETTLED = "settled", "Paid"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"


S = PaymentStatus

# From each status, where a payment may go next. Internal payments are booked at once
# (checking -> accepted -> settled in one transaction); external ones wait in ``accepted`` with
# their funds held until settlement submits them. ``held_for_review`` is left only by the
# fraud case's outcome (``accepted`` when released, ``rejected`` when refused).
# ``settled -> returned`` is the payee's bank sending the money back.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_SCA: frozenset({S.CHECKING, S.CANCELLED, S.REJECTED}),
    S.CHECKING: frozenset({S.ACCEPTED, S.HELD_FOR_REVIEW, S.REJECTED}),
    S.HELD_FOR_REVIEW: frozenset({S.ACCEPTED, S.REJECTED}),
    # A sanctions hit found after acceptance (a list update, the background re-screen) holds a
    # payment that has not left yet.
    S.ACCEPTED: frozenset({S.SUBMITTED, S.SETTLED, S.REJECTED, S.CANCELLED, S.HELD_FOR_REVIEW}),
    S.SUBMITTED: frozenset({S.SETTLED, S.REJECTED}),
    S.SETTLED: frozenset({S.RETURNED}),
    S.REJECTED: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL_STATUSES = frozenset(status for status, nexts in TRANSITIONS.items() if not nexts)
CANCELLABLE_STATUSES = frozenset(status for status, nexts in TRANSITIONS.items() if S.CANCELLED in nexts)


class PaymentKind(models.TextChoices):
    INTERNAL = "internal", "Within the bank"
    SEPA = "sepa", "SEPA credit transfer"
    INSTANT = "instant", "SEPA instant credit transfer"


class PaymentChannel(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "Partner API"
    STANDING_ORDER = "standing_order", "Standing order"
    WALLET = "wallet", "Wallet withdrawal"
    BACK_OFFICE = "back_office", "Back office"


class VopResult(models.TextChoices):
    """The verification-of-payee scheme's answers (EPC VoP rulebook)."""

    MATCH = "MTCH", "The name matches"
    CLOSE_MATCH = "CMTC", "The name is close"
    NO_MATCH = "NMTC", "The name does not match"
    NOT_POSSIBLE = "NOAP", "The check was not possible"


class Payment(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The paying account: a customer account of apps.accounts (its id there), or none when a
    # bank ledger account pays (the e-money account for wallet withdrawals).
    source_account_id = models.BigIntegerField(null=True, blank=True)
    source_ledger_account = models.ForeignKey("ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+")
    debtor_name = models.CharField(max_length=140)
    debtor_iban = models.CharField(max_length=34, blank=True)
    debtor_bic = models.CharField(max_length=11, blank=True)

    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    creditor_name = models.CharField(max_length=140)
    creditor_iban = models.CharField(max_length=34)
    creditor_bic = models.CharField(max_length=11, blank=True)
    # Internal payments: the payee's account here (apps.accounts id) and its ledger account.
    creditor_account_id = models.BigIntegerField(null=True, blank=True)
    creditor_ledger_account = models.ForeignKey(
        "ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    beneficiary = models.ForeignKey(
        "payments.Beneficiary", on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    standing_order = models.ForeignKey(
        "payments.StandingOrder", on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    # The standing order's day this payment is the instance of (one instance per day).
    occurrence_date = models.DateField(null=True, blank=True)

    reference = models.CharField(max_length=140, blank=True)  # remittance information, SEPA charset
    end_to_end_id = models.CharField(max_length=35)  # the customer's; not unique
    tx_id = models.CharField(max_length=35, unique=True)  # the bank's, matched by status reports
    kind = models.CharField(max_length=10, choices=PaymentKind.choices)
    channel = models.CharField(max_length=16, choices=PaymentChannel.choices, default=PaymentChannel.PORTAL)
    execution_date = models.DateField()

    status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    reason_code = models.CharField(max_length=4, blank=True)  # ISO code of a rejection or return
    reason = models.CharField(max_length=500, blank=True)

    hold = models.ForeignKey("ledger.Hold", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # The entry that moved the money: the internal booking, or the settlement's capture.
    entry = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # The entry that gave it back (a return).
    return_entry = models.ForeignKey("ledger.Entry", on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    vop_result = models.CharField(max_length=4, choices=VopResult.choices, blank=True)
    vop_name = models.CharField(max_length=140, blank=True)  # the real name, for CMTC
    vop_checked_at = models.DateTimeField(null=True, blank=True)

    sca_exemption = models.CharField(max_length=32, blank=True)  # "" when SCA was done
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    fraud_decision_id = models.BigIntegerField(null=True, blank=True)
    fraud_outcome = models.CharField(max_length=10, blank=True)
    fraud_alert_id = models.BigIntegerField(null=True, blank=True)  # the case a held payment waits for
    consent_id = models.CharField(max_length=64, null=True, blank=True)
    partner_id = models.BigIntegerField(null=True, blank=True)  # the partner that made it (API)

    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)  # SHA-256 of what was asked, for replays

    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="pay_customer_recent"),
            models.Index(fields=["status", "kind", "execution_date"], name="pay_status_due"),
            models.Index(fields=["source_account_id", "-created_at"], name="pay_source_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "idempotency_key"], name="pay_key_per_payer"),
            models.UniqueConstraint(
                fields=["standing_order", "occurrence_date"],
                condition=models.Q(standing_order__isnull=False),
                name="pay_one_instance_per_day",
            ),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="pay_amount_positive"),
            models.CheckConstraint(condition=models.Q(status__in=PaymentStatus.values), name="pay_status_known"),
            models.CheckConstraint(condition=models.Q(kind__in=PaymentKind.values), name="pay_kind_known"),
            models.CheckConstraint(
                condition=~models.Q(kind=PaymentKind.INTERNAL) | models.Q(creditor_ledger_account__isnull=False),
                name="pay_internal_has_payee_account",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=PaymentKind.INTERNAL) | models.Q(currency="EUR"),
                name="pay_external_is_eur",
            ),
        ]

    def __str__(self) -> str:
        return f"payment #{self.pk} {self.kind} {self.status}"

    @property
    def ref(self) -> str:
        """The reference other contexts use for this payment (fraud, KYC usage, ledger keys)."""
        return f"payment:{self.pk}"


class PaymentEvent(models.Model):
    """One line of a payment's timeline: who moved it from where to where, and why."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="timeline")
    from_status = models.CharField(max_length=16, blank=True)  # "" for the first line
    to_status = models.CharField(max_length=16)
    # "customer:<id>", "staff:<id>", "partner:<id>", "fraud-case:<id>", "clearing", "system"
    actor = models.CharField(max_length=64)
    reason = models.CharField(max_length=500, blank=True)
    reason_code = models.CharField(max_length=4, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
        indexes = [models.Index(fields=["payment", "at"], name="payev_payment_at")]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status} by {self.actor}"
