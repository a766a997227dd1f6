"""Review cases: the state machine of a customer's verification, its audited transitions, and the
log of staff access to sensitive data (decrypted identifiers, documents).

States: draft → submitted → screening → in_review → approved | rejected | needs_more_info, and
needs_more_info → submitted on resubmission. A periodic review or a later sanctions hit opens a
case straight in in_review. At most one case per customer is active (not approved or rejected):
a partial unique constraint says so in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from apps.kyc.models.limits import RiskRating


class CaseState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SCREENING = "screening", "Screening"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    NEEDS_MORE_INFO = "needs_more_info", "Needs more information"


# Decided: a new case may be opened after these.
CLOSED_STATES = (CaseState.APPROVED, CaseState.REJECTED)


class CaseReason(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    PERIODIC_REVIEW = "periodic_review", "Periodic review"
    SANCTIONS_HIT = "sanctions_hit", "Sanctions hit after approval"


class ScreeningOutcome(models.TextChoices):
    PENDING = "", "Not screened yet"
    CLEAR = "clear", "Clear"
    HIT = "hit", "Possible match"


class KycCase(models.Model):
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=CaseState.choices, default=CaseState.DRAFT)
    reason_opened = models.CharField(max_length=20, choices=CaseReason.choices, default=CaseReason.ONBOARDING)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    risk_rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    # [{"code", "points", "text"}]: each factor that made the rating (apps.kyc.risk).
    risk_reasons = models.JSONField(default=list, blank=True)
    screening_outcome = models.CharField(max_length=10, choices=ScreeningOutcome.choices, blank=True)
    # [{"who": "customer" | "owner:<id>", "name", "subject_id", "alert_id", "matches": [SanctionsMatch as dict]}]
    screening_matches = models.JSONField(default=list, blank=True)
    decision_reason = models.TextField(blank=True)
    info_request = models.TextField(blank=True, help_text="what the customer is asked for (shown to them)")
    # Set while a high-risk approval waits for a second officer (bankcore.approvals).
    approval_request_id = models.BigIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "KYC case"
        ordering = ["opened_at", "pk"]
        indexes = [models.Index(fields=["state", "opened_at"], name="kyc_case_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=~Q(state__in=["approved", "rejected"]),
                name="kyc_case_one_active_per_customer",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "rejected"]) | ~Q(decision_reason=""),
                name="kyc_case_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"KYC case #{self.pk} ({self.get_state_display()})"


class CaseTransition(models.Model):
    """One state change of a case: who (None is the system), why, when. Written only by the services."""

    case = models.ForeignKey(KycCase, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"


class SensitiveAccess(models.Model):
    """A staff member saw something sensitive: a decrypted identifier or a document; who, when, why."""

    class Subject(models.TextChoices):
        DOCUMENT = "document", "Document"
        TAX_ID = "party.tax_id", "Tax id"
        NATIONAL_ID = "party.national_id", "National id"

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=40, choices=Subject.choices)
    # The document's id for a document, the party's id for an identifier.
    object_id = models.BigIntegerField()
    reason = models.TextField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name_plural = "sensitive accesses"
        ordering = ["-at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="kyc_sensitive_access_has_reason")]

    def __str__(self) -> str:
        return f"{self.staff_id} saw {self.subject} {self.object_id}"
