"""Partner API records: idempotency keys, partners (with the business customer they act for) and consents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class IdempotencyRecord(models.Model):
    """The first answer to a POST with a given Idempotency-Key, replayed to every retry."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    owner = models.CharField(max_length=100, help_text="Who sent the key: a user or a partner application.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once_per_owner")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key} ({self.state})"


class PartnerGrant(models.Model):
    """A partner organisation: its OAuth2 client-credentials application and what it may ever ask for."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended (no token is issued or accepted)"

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="partner_grant"
    )
    scopes = models.CharField(max_length=500, help_text="Space-separated scopes this partner may request.")
    # The one business customer whose own accounts, payments and wallets this partner reaches
    # without a consent (and pays from without the customer's SCA: RTS art. 17). Anyone else's
    # data it reaches only through a consent.
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_grants",
        help_text="The business customer this partner acts for, if any.",
    )
    contact_email = models.EmailField(blank=True, help_text="Whom the bank tells about the partner's integration.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # None while no secret is valid: never issued, or revoked (the client then gets no token).
    credentials_issued_at = models.DateTimeField(null=True, blank=True)
    credentials_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        permissions = [("manage_partnergrant", "Can issue, rotate and revoke partner credentials and suspend partners")]

    def __str__(self) -> str:
        return str(self.application.name)

    @property
    def may_authenticate(self) -> bool:
        """Whether the client may get and use tokens now: active, with issued, unrevoked credentials."""
        return self.status == self.Status.ACTIVE and self.credentials_issued_at is not None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class PartnerAction(models.Model):
    """Who did what to a partner, when and why: the back office's record, never changed."""

    class Action(models.TextChoices):
        CREATED = "created"
        CREDENTIALS_ISSUED = "credentials_issued"
        CREDENTIALS_ROTATED = "credentials_rotated"
        CREDENTIALS_REVOKED = "credentials_revoked"
        SUSPENDED = "suspended"
        UNSUSPENDED = "unsuspended"
        SCOPES_SET = "scopes_set"
        ACTING_FOR_SET = "acting_for_set"

    grant = models.ForeignKey(PartnerGrant, on_delete=models.PROTECT, related_name="actions")
    action = models.CharField(max_length=30, choices=Action.choices)
    # None: a command or the sandbox, not a signed-in staff member.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField()

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=["grant", "at"], name="partner_action_grant_at")]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.action} at {self.at}"


class Consent(models.Model):
    """A customer's consent for one partner, as in the Berlin Group NextGenPSD2 model.

    Account access (``kind=account_access``) opens the listed accounts, their balances and/or
    transactions until ``valid_until`` (at most 180 days ahead), at most ``frequency_per_day``
    times a day per account and resource without the customer present (RTS art. 36(5)). A single
    payment (``kind=payment``) authorises one payment of exactly that amount to that creditor.
    Both start ``received`` and become ``valid`` only when the customer approves them with SCA.
    """

    class Kind(models.TextChoices):
        ACCOUNT_ACCESS = "account_access", "Account access"
        PAYMENT = "payment", "Single payment"

    class Status(models.TextChoices):
        # The Berlin Group's own spellings: partners read them on the wire.
        RECEIVED = "received", "Received (waiting for the customer)"
        VALID = "valid", "Valid"
        REJECTED = "rejected", "Rejected by the customer"
        REVOKED_BY_PSU = "revokedByPsu", "Revoked by the customer"
        EXPIRED = "expired", "Expired"
        TERMINATED_BY_TPP = "terminatedByTpp", "Terminated by the partner"

    class ApprovedBy(models.TextChoices):
        SCA = "sca", "The customer, with SCA"
        SANDBOX = "sandbox", "A sandbox grant"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text="The id on the wire.")
    application = models.ForeignKey("oauth2_provider.Application", on_delete=models.PROTECT, related_name="consents")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partner_consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # Account access: account ids of the accounts context (plain ints: the kernel knows no app).
    account_ids = models.JSONField(default=list, blank=True)
    balances = models.BooleanField(default=False)
    transactions = models.BooleanField(default=False)
    valid_until = models.DateField(help_text="Last day (bank time) the consent may be used.")
    frequency_per_day = models.PositiveSmallIntegerField(default=1)
    recurring = models.BooleanField(default=False)
    # Single payment: exactly what the customer approves with SCA (the dynamic link).
    source_account_id = models.BigIntegerField(null=True, blank=True)
    amount_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    creditor_name = models.CharField(max_length=140, blank=True)
    creditor_iban = models.CharField(max_length=34, blank=True)
    reference = models.CharField(max_length=140, blank=True)
    used_at = models.DateTimeField(null=True, blank=True, help_text="When its one payment was made.")
    payment_ref = models.CharField(max_length=100, blank=True, help_text="The payment made with it.")
    created_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    # How it was approved: the customer's SCA challenge (kept for the audit trail), or a sandbox
    # grant that stands for one (``consent_sandbox_grant``, never in production).
    approved_by = models.CharField(max_length=10, choices=ApprovedBy.choices, blank=True)
    sca_challenge_id = models.BigIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["application", "customer", "status"], name="consent_partner_customer"),
            models.Index(fields=["status", "valid_until"], name="consent_status_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(frequency_per_day__gte=1, frequency_per_day__lte=4), name="consent_frequency_1_to_4"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="payment") | models.Q(amount_minor__gt=0, creditor_iban__gt=""),
                name="consent_payment_has_amount_and_creditor",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["valid", "revokedByPsu", "expired", "terminatedByTpp"])
                | models.Q(approved_at__isnull=True),
                name="consent_approved_only_when_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(kind="payment"), name="consent_used_only_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} ({self.status})"


class ConsentAccess(models.Model):
    """How often a partner read one account's resource under a consent on one bank day, unattended."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="accesses")
    day = models.DateField()
    # 0 stands for the account list itself (``accounts/``), which names no account.
    account_id = models.BigIntegerField()
    access = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent", "day", "account_id", "access"], name="consent_access_once_a_day")
        ]

    def __str__(self) -> str:
        return f"consent {self.consent_id} {self.day} {self.account_id}/{self.access}: {self.count}"


class WebhookEndpoint(models.Model):
    """Where a partner wants events, signed per Standard Webhooks with the endpoint's own secret."""

    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list, help_text="The event types it receives (the catalogue's names).")
    description = models.CharField(max_length=200, blank=True)
    # whsec_ + base64 of 32 random bytes, encrypted with bankcore.crypto: the bank must read it to
    # sign every delivery (so it cannot be hashed), and a database dump alone must not forge events.
    secret_encrypted = models.TextField()
    # During a rotation the old secret signs too (a second signature) until it expires.
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENABLED)
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    history = HistoricalRecords(excluded_fields=["secret_encrypted", "previous_secret_encrypted"])

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.public_id} {self.url} ({self.status})"


class WebhookDelivery(models.Model):
    """One event for one endpoint: retried with backoff as a database row until delivered or given up."""

    class Status(models.TextChoices):
        PENDING = "pending"  # due at next_attempt_at
        DELIVERED = "delivered"
        FAILED = "failed"  # given up: retries spent, the endpoint answered 410 or was disabled

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_id = models.UUIDField(help_text="The outbox event; sent as webhook-id, the same on every retry.")
    event_type = models.CharField(max_length=100)
    # The exact bytes signed and sent, so a retry is the same message.
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the delivery log partners and staff read."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-attempted_at", "-id")

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at}: {self.status_code or self.error}"
