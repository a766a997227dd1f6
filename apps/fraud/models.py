"""Fraud and AML data: sanctions lists, screened parties, alerts/cases, rules, decisions, aggregates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

# --- sanctions lists ----------------------------------------------------------------------------


class SanctionsSource(models.TextChoices):
    """The lists the bank screens against (``import_sanctions <source>``)."""

    OFAC = "ofac", "OFAC SDN"


class SanctionsListVersion(models.Model):
    """One import of a list that changed something (re-importing the same files adds no row)."""

    source = models.CharField(max_length=20, choices=SanctionsSource.choices)
    version = models.CharField(max_length=64, help_text="Hash of the imported files.")
    list_date = models.DateField()
    imported_at = models.DateTimeField()
    entry_count = models.PositiveIntegerField()
    added = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    removed = models.PositiveIntegerField()

    class Meta:
        ordering = ("-imported_at", "-id")
        constraints = [models.UniqueConstraint(fields=["source", "version"], name="fraud_list_version_once")]

    def __str__(self) -> str:
        return f"{self.source} {self.version} ({self.list_date})"


class SanctionsEntry(models.Model):
    source = models.CharField(max_length=20, choices=SanctionsSource.choices)
    source_id = models.IntegerField(help_text="The list's own entry id (OFAC ent_num).")
    name = models.CharField(max_length=500)
    sdn_type = models.CharField(max_length=20, blank=True, help_text="individual, vessel, aircraft; empty: entity")
    program = models.CharField(max_length=200, blank=True)
    title = models.TextField(blank=True)
    remarks = models.TextField(blank=True)
    aliases = models.JSONField(default=list)
    addresses = models.JSONField(default=list)
    birth_years = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    updated_in = models.ForeignKey(SanctionsListVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("source", "source_id")
        verbose_name_plural = "sanctions entries"
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="fraud_entry_once_per_list")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id} {self.name}"


# --- screened parties and re-screening ------------------------------------------------------------


class ScreenedSubject(models.Model):
    """A party the bank must keep screened: all but payment counterparties are re-screened on list change."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        BENEFICIARY = "beneficiary", "Beneficiary"
        COUNTERPARTY = "counterparty", "Payment counterparty"
        PARTY = "party", "Other party (e.g. beneficial owner)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    ref = models.CharField(max_length=100, help_text="The owning app's id (customer id, beneficiary id, payment ref).")
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(max_length=500)
    party_kind = models.CharField(max_length=20, blank=True, help_text="individual / entity, when known")
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField()
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_version = models.CharField(max_length=64, blank=True)
    best_score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="fraud_subject_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}: {self.name}"


class RescreenRun(models.Model):
    """A chunked re-screen of every party kept screened; the cursor makes it resumable."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    list_version = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField()
    processed = models.PositiveIntegerField(default=0)
    hits = models.PositiveIntegerField(default=0)
    last_subject_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"re-screen {self.list_version}: {self.processed}/{self.total}"


# --- transaction monitoring ------------------------------------------------------------------


class Rule(models.Model):
    """A monitoring rule; its content lives in versions (one active at most)."""

    code = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("code",)

    def __str__(self) -> str:
        return self.code


# Outside their models so that the models' constraints (in Meta) can name them.
class RuleVersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Awaiting activation approval"
    SHADOW = "shadow", "Shadow (evaluated, never decides)"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class RuleVersion(models.Model):
    """One version of a rule: drafts are edited, activation needs a second person (maker-checker)."""

    Status = RuleVersionStatus

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    condition = models.TextField(help_text="Expression over features, e.g. amount_minor > 500000 and is_night")
    score = models.IntegerField(help_text="Added to the transaction's score when the condition holds.")
    description = models.CharField(max_length=300, help_text="Why this matters, in words a customer agent can read.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    # A version whose condition raises while evaluated holds the payment for review; these say
    # how often that happened and why, for the analysts who must fix or retire it.
    error_count = models.PositiveIntegerField(default=0, help_text="Evaluations that raised instead of answering.")
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    # The audit trail is of what the version says and its status, not of its error counter.
    history = HistoricalRecords(excluded_fields=["error_count", "last_error", "last_error_at"])

    class Meta:
        ordering = ("rule__code", "-number")
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="fraud_rule_version_once"),
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(status=RuleVersionStatus.ACTIVE),
                name="fraud_rule_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.number} ({self.status})"


class MonitoredTransaction(models.Model):
    """A scored transaction: the features as they were, the decision and the rules that fired."""

    class Outcome(models.TextChoices):
        ALLOW = "allow", "Allow"
        REVIEW = "review", "Review (held)"
        BLOCK = "block", "Block"

    reference = models.CharField(max_length=100, unique=True)
    customer_id = models.BigIntegerField(db_index=True)
    counterparty_key = models.CharField(max_length=100, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField(db_index=True)
    features = models.JSONField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    score = models.IntegerField()
    fired = models.JSONField(default=list)
    shadow_fired = models.JSONField(default=list)
    failed = models.JSONField(
        default=list, help_text="Live rules that raised while evaluated (the decision became at least a review)."
    )

    class Meta:
        ordering = ("-occurred_at", "-id")

    def __str__(self) -> str:
        return f"{self.reference} {self.outcome} ({self.score})"


class VelocityBucket(models.Model):
    """Counts and sums per party, currency and time bucket, kept up to date as transactions arrive.

    Windows are read from a handful of rows (12 five-minute, 24 hourly, 30 daily buckets) instead
    of scanning history.
    """

    class Scope(models.TextChoices):
        CUSTOMER = "c", "Customer"
        COUNTERPARTY = "p", "Counterparty"

    class Grain(models.TextChoices):
        FIVE_MINUTES = "m5", "5 minutes"
        HOUR = "h", "Hour"
        DAY = "d", "Day"

    scope = models.CharField(max_length=1, choices=Scope.choices)
    key = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    grain = models.CharField(max_length=2, choices=Grain.choices)
    start_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    sum_minor = models.BigIntegerField(default=0)
    near_limit_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "currency", "grain", "start_at"], name="fraud_bucket_once")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} {self.grain}@{self.start_at:%Y-%m-%d %H:%M}"


class CustomerCountry(models.Model):
    """The countries a customer has already paid to (for the "first payment to a country" feature)."""

    customer_id = models.BigIntegerField()
    country = models.CharField(max_length=2)
    first_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer_id", "country"], name="fraud_customer_country_once")]

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.country}"


class BacktestRun(models.Model):
    """What a set of rule versions would have done over stored transactions (never affects decisions)."""

    rule_version_ids = models.JSONField()
    since = models.DateTimeField()
    until = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"back-test {self.pk} {self.since:%Y-%m-%d}..{self.until:%Y-%m-%d}"


# --- alerts and cases ------------------------------------------------------------------------


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


class Alert(models.Model):
    """An alert is the analyst's case: queue, assignment, notes, outcome, and the held payment."""

    class Kind(models.TextChoices):
        SANCTIONS = "sanctions", "Sanctions match"
        TRANSACTION = "transaction", "Transaction monitoring"

    Status = AlertStatus

    class Outcome(models.TextChoices):
        NONE = "", "—"
        CONFIRMED_FRAUD = "confirmed_fraud", "Confirmed fraud / true match"
        FALSE_POSITIVE = "false_positive", "False positive"
        ESCALATED = "escalated", "Escalated"

    class Hold(models.TextChoices):
        NONE = "", "No payment held"
        HELD = "held", "Held"
        RELEASED = "released", "Released"
        REJECTED = "rejected", "Rejected"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject = models.ForeignKey(ScreenedSubject, null=True, blank=True, on_delete=models.PROTECT)
    transaction = models.ForeignKey(MonitoredTransaction, null=True, blank=True, on_delete=models.PROTECT)
    payment_ref = models.CharField(max_length=100, blank=True, help_text="The held payment (payments app id).")
    hold = models.CharField(max_length=10, choices=Hold.choices, blank=True, default="")
    score = models.FloatField()
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, help_text="The same finding never opens two open alerts.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-opened_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(status=AlertStatus.CLOSED),
                name="fraud_one_open_alert_per_finding",
            )
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.kind} ({self.status})"


class AlertNote(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"note on alert {self.alert_id}"
