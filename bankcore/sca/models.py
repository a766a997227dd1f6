"""Strong customer authentication challenges, each bound to exactly what is being approved."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Challenge(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the code"
        APPROVED = "approved", "Approved"
        USED = "used", "Approved and used"
        INVALIDATED = "invalidated", "Invalidated"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sca_challenges")
    action = models.CharField(max_length=60)
    # What the user is shown and approves (amount, currency, payee...), and its SHA-256 over
    # canonical JSON of {"action", "details"}: the dynamic link of PSD2 RTS article 5.
    details = models.JSONField()
    details_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "-created_at"], name="sca_user_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="sca_expires_after"),
            models.CheckConstraint(
                condition=models.Q(status__in=["approved", "used"], approved_at__isnull=False)
                | (~models.Q(status__in=["approved", "used"]) & models.Q(approved_at__isnull=True)),
                name="sca_approved_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(status="used", used_at__isnull=False)
                | (~models.Q(status="used") & models.Q(used_at__isnull=True)),
                name="sca_used_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} ({self.status})"


class Exemption(models.TextChoices):
    """The exemptions from SCA the bank applies (Commission Delegated Regulation 2018/389)."""

    LOW_VALUE = "low_value", "Low value (RTS art. 16)"
    TRUSTED_BENEFICIARY = "trusted_beneficiary", "Trusted beneficiary (RTS art. 13)"
    OWN_ACCOUNTS = "own_accounts", "Own accounts (RTS art. 15)"
    SECURE_CORPORATE = "secure_corporate", "Secure corporate process (RTS art. 17)"


class ExemptionCounter(models.Model):
    """What a payer has paid without SCA since their last SCA of a payment, across every context.

    One row per payer, locked by every exemption applied and every reset, so two payments racing
    for the last exempt slot are served one after the other.
    """

    payer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="sca_exemption_counter"
    )
    exempt_count = models.PositiveIntegerField(default=0, help_text="Payments made without SCA since the last SCA.")
    exempt_eur_minor = models.BigIntegerField(default=0, help_text="Their sum in euro cents.")
    last_sca_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(exempt_eur_minor__gte=0), name="sca_counter_eur_not_negative"),
        ]

    def __str__(self) -> str:
        return f"payer {self.payer_id}: {self.exempt_count} exempt, {self.exempt_eur_minor} EUR cents"


class ExemptionUse(models.Model):
    """One payment made without SCA, with the exemption it relied on: the audit record of RTS art. 21."""

    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sca_exemption_uses")
    exemption = models.CharField(max_length=24, choices=Exemption.choices)
    # The payment it exempted, prefixed by its context: "payment:12", "wallet-transfer:7".
    ref = models.CharField(max_length=100, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # Null when no reference rate could price it (then the low-value allowance counts as spent).
    amount_eur_minor = models.BigIntegerField(null=True, blank=True)
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ("-applied_at", "-id")
        indexes = [models.Index(fields=["payer", "-applied_at"], name="sca_exemption_payer_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="sca_exemption_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(exemption__in=[choice.value for choice in Exemption]), name="sca_exemption_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.exemption}"
