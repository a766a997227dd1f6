"""Consents a customer gives a partner, modelled on the Berlin Group NextGenPSD2 consent.

Two kinds (``Consent.Kind``):

- **Account access**: which accounts (account ids of the accounts context), whether balances
  and/or transactions, ``valid_until`` (a bank day, today to 180 days ahead), ``frequency_per_day``
  (1 to 4 unattended reads a day per account and resource, RTS art. 36(5)), ``recurring`` (a
  one-off consent has frequency 1 and allows each resource of each account to be read once).
- **Single payment**: amount, creditor (name, IBAN), reference and optionally the source account;
  bound by SCA to exactly those (dynamic linking); used once, by the payment made with it.

Life cycle (statuses spelled as the Berlin Group does)::

    received ──approve (customer, SCA)──▶ valid ──revoke (customer)──▶ revokedByPsu
        │  ╲──reject (customer)──▶ rejected     ├──terminate (partner)──▶ terminatedByTpp
        │   ╲─revoke / terminate                └──expire (valid_until passed)──▶ expired
        └──expire (not approved within APPROVAL_WINDOW)──▶ expired

Every transition is a service here, audited by the model's history and published as an event
(``consent.approved``, ``consent.rejected``, ``consent.revoked``, ``consent.terminated``,
``consent.expired``) for partner webhooks. Approval consumes an SCA challenge inside the approval's
own transaction; the challenge's action is ``consent_account_access`` or ``payment_consent`` with
the details of ``consent_challenge_details`` (a payment consent's SCA is the payment's SCA, so it
also restarts the payer's low-value exemption count).

Customer and account ids are plain ints: the kernel knows no app. The caller (the consent's API
view or portal page in the accounts context) resolves IBANs to account ids and checks that the
accounts are the customer's before calling.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from bankcore import events
from bankcore.api.models import Consent, ConsentAccess
from bankcore.errors import DomainError
from bankcore.money import Money
from bankcore.paging import Page, keyset_page
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

MAX_VALIDITY = timedelta(days=180)
# A consent the customer has not approved within this long is expired: the link went stale.
APPROVAL_WINDOW = timedelta(hours=24)
# A payment consent is approved for a payment made soon, not for one some months later.
PAYMENT_VALIDITY = timedelta(days=1)
FREQUENCY_MIN, FREQUENCY_MAX = 1, 4

ACCOUNT_ACCESS_ACTION = "consent_account_access"
PAYMENT_ACTION = "payment_consent"  # begins with "payment": its SCA resets the low-value count

# What a partner may read or do; the visibility check and the access counter take these.
ACCESS_KINDS = ("accounts", "balances", "transactions", "payments", "wallets")
ACCOUNT_READS = ("accounts", "balances", "transactions")

OPEN_STATUSES = (Consent.Status.RECEIVED, Consent.Status.VALID)


class ConsentRefused(DomainError):
    """The consent cannot be created, changed or used as asked; ``code`` says why."""

    status_code = 422
    code = "consent_refused"


class ConsentInputInvalid(ConsentRefused):
    """The consent as asked is malformed (no accounts, a validity or frequency out of range, no amount)."""

    input_error = True


class ConsentNotFound(ConsentRefused):
    """No such consent for whoever asks (another partner's or customer's consent does not exist for them)."""

    status_code = 404
    code = "consent_not_found"


class AccessFrequencyExceeded(ConsentRefused):
    """The consent's reads for today are used up (``frequency_per_day``); try again tomorrow."""

    status_code = 429
    code = "access_frequency_exceeded"

    def __init__(self, message: str = "", *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class ConsentView:
    """A consent as the API and the portal show it (ids as stored; ``public_id`` on the wire)."""

    id: int
    public_id: uuid.UUID
    application_id: int
    customer_id: int
    kind: str
    status: str
    account_ids: tuple[int, ...]
    balances: bool
    transactions: bool
    valid_until: date
    frequency_per_day: int
    recurring: bool
    source_account_id: int | None
    amount: Money | None
    creditor_name: str
    creditor_iban: str
    reference: str
    used_at: datetime | None
    payment_ref: str
    created_at: datetime
    status_changed_at: datetime
    approved_at: datetime | None


def consent_view(consent: Consent) -> ConsentView:
    return ConsentView(
        id=consent.pk,
        public_id=consent.public_id,
        application_id=consent.application_id,
        customer_id=consent.customer_id,
        kind=consent.kind,
        status=consent.status,
        account_ids=tuple(consent.account_ids),
        balances=consent.balances,
        transactions=consent.transactions,
        valid_until=consent.valid_until,
        frequency_per_day=consent.frequency_per_day,
        recurring=consent.recurring,
        source_account_id=consent.source_account_id,
        amount=Money(consent.amount_minor, consent.currency) if consent.amount_minor is not None else None,
        creditor_name=consent.creditor_name,
        creditor_iban=consent.creditor_iban,
        reference=consent.reference,
        used_at=consent.used_at,
        payment_ref=consent.payment_ref,
        created_at=consent.created_at,
        status_changed_at=consent.status_changed_at,
        approved_at=consent.approved_at,
    )


def bank_day(now: datetime) -> date:
    """The bank's calendar day at ``now`` (``BANK_TIME_ZONE``): a consent's days are bank days."""
    return now.astimezone(ZoneInfo(settings.BANK_TIME_ZONE)).date()


def _seconds_to_next_bank_day(now: datetime) -> int:
    zone = ZoneInfo(settings.BANK_TIME_ZONE)
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return max(1, int((midnight - local).total_seconds()))


def consent_is_usable(consent: Consent | ConsentView, *, now: datetime) -> bool:
    """Valid, and ``valid_until`` not passed (even before the expiry task has run)."""
    return consent.status == Consent.Status.VALID and bank_day(now) <= consent.valid_until


# --- reads ---------------------------------------------------------------------------------------


def consent_get(*, consent_id: int) -> ConsentView | None:
    consent = Consent.objects.filter(pk=consent_id).first()
    return consent_view(consent) if consent is not None else None


def consent_get_for_partner(*, public_id: uuid.UUID | str, application_id: int) -> ConsentView | None:
    """The partner's own consent by its wire id, or None (another partner's does not exist for it)."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    consent = Consent.objects.filter(public_id=key, application_id=application_id).first()
    return consent_view(consent) if consent is not None else None


def consent_get_for_customer(*, consent_id: int, customer_id: int) -> ConsentView | None:
    """The customer's own consent, or None."""
    consent = Consent.objects.filter(pk=consent_id, customer_id=customer_id).first()
    return consent_view(consent) if consent is not None else None


def consents_of_customer(*, customer_id: int) -> list[ConsentView]:
    """Every consent the customer was asked for, newest first (the security page lists them)."""
    return [consent_view(c) for c in Consent.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")]


PAGE_SIZE = 50


def consents_of_partner(
    *, application_id: int, status: str | None = None, before: int | None = None, limit: int = PAGE_SIZE
) -> Page[ConsentView]:
    """The partner's consents older than ``before``, newest first."""
    qs = Consent.objects.filter(application_id=application_id)
    if status:
        qs = qs.filter(status=status)
    page = keyset_page(qs, before=before, limit=limit)
    return Page([consent_view(c) for c in page.items], page.next_before)


def consent_challenge_details(*, consent_id: int, customer_id: int) -> dict[str, Any]:
    """What the customer sees and approves with SCA for this consent; the challenge is bound to it.

    Create the challenge with ``action=consent_challenge_action(...)`` and these details.
    """
    consent = Consent.objects.filter(pk=consent_id, customer_id=customer_id).first()
    if consent is None:
        raise ConsentNotFound("No such consent.")
    return _challenge_details(consent)


def consent_challenge_action(*, kind: str) -> str:
    return PAYMENT_ACTION if kind == Consent.Kind.PAYMENT else ACCOUNT_ACCESS_ACTION


def _challenge_details(consent: Consent) -> dict[str, Any]:
    details: dict[str, Any] = {
        "consent": str(consent.public_id),
        "partner": consent.application.name,
        "kind": consent.kind,
    }
    if consent.kind == Consent.Kind.PAYMENT:
        assert consent.amount_minor is not None
        amount = Money(consent.amount_minor, consent.currency)
        details.update(
            amount=amount.to_decimal_string(),
            currency=amount.currency,
            creditor_name=consent.creditor_name,
            creditor_iban=consent.creditor_iban,
            reference=consent.reference,
            source_account_id=consent.source_account_id,
        )
    else:
        details.update(
            account_ids=sorted(consent.account_ids),
            balances=consent.balances,
            transactions=consent.transactions,
            valid_until=consent.valid_until.isoformat(),
            frequency_per_day=consent.frequency_per_day,
            recurring=consent.recurring,
        )
    return details


# --- creation ------------------------------------------------------------------------------------


def _publish(consent: Consent, name: str) -> None:
    events.publish(
        name,
        {
            "consent_id": consent.pk,
            "public_id": str(consent.public_id),
            "application_id": consent.application_id,
            "customer_id": consent.customer_id,
            "kind": consent.kind,
            "status": consent.status,
        },
    )


@transaction.atomic
def consent_account_access_create(
    *,
    application_id: int,
    customer_id: int,
    account_ids: list[int],
    balances: bool,
    transactions: bool,
    valid_until: date,
    frequency_per_day: int,
    recurring: bool,
    now: datetime,
) -> ConsentView:
    """Ask ``customer_id`` for access to ``account_ids`` on behalf of the partner; status ``received``.

    Refused (``ConsentRefused.code``): ``consent_accounts_required`` (none, or not positive ids),
    ``consent_valid_until_invalid`` (before today or more than 180 days ahead),
    ``consent_frequency_invalid`` (not 1 to 4, or more than 1 for a one-off consent).
    The caller has made sure the accounts are the customer's.
    """
    ids = sorted({int(a) for a in account_ids})
    if not ids or any(a <= 0 for a in ids):
        raise ConsentInputInvalid(
            "Name at least one account.", code="consent_accounts_required", field="access.accounts"
        )
    today = bank_day(now)
    if not today <= valid_until <= today + MAX_VALIDITY:
        raise ConsentInputInvalid(
            f"valid_until must be between {today.isoformat()} and {(today + MAX_VALIDITY).isoformat()}.",
            code="consent_valid_until_invalid",
            field="valid_until",
        )
    if not FREQUENCY_MIN <= frequency_per_day <= FREQUENCY_MAX:
        raise ConsentInputInvalid(
            "frequency_per_day is 1 to 4.", code="consent_frequency_invalid", field="frequency_per_day"
        )
    if not recurring and frequency_per_day != 1:
        raise ConsentInputInvalid(
            "A one-off consent has frequency_per_day 1.", code="consent_frequency_invalid", field="frequency_per_day"
        )
    consent = Consent.objects.create(
        application_id=application_id,
        customer_id=customer_id,
        kind=Consent.Kind.ACCOUNT_ACCESS,
        account_ids=ids,
        balances=balances,
        transactions=transactions,
        valid_until=valid_until,
        frequency_per_day=frequency_per_day,
        recurring=recurring,
        created_at=now,
        status_changed_at=now,
    )
    _publish(consent, "consent.created")
    return consent_view(consent)


def _iban(value: str) -> str:
    return "".join(value.split()).upper()


@transaction.atomic
def consent_payment_create(
    *,
    application_id: int,
    customer_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    reference: str = "",
    source_account_id: int | None = None,
    now: datetime,
) -> ConsentView:
    """Ask ``customer_id`` to authorise one payment of ``amount`` to the creditor; status ``received``.

    The caller (the payments context) has validated IBAN, name, reference and the source account.
    Refused: ``consent_amount_invalid``, ``consent_creditor_required``.
    """
    if amount.minor <= 0:
        raise ConsentInputInvalid(
            "The amount must be greater than zero.", code="consent_amount_invalid", field="payment.amount"
        )
    iban = _iban(creditor_iban)
    name = " ".join(creditor_name.split())
    if not iban or not name or len(iban) > 34 or len(name) > 140:
        raise ConsentInputInvalid(
            "Name the creditor and its IBAN.", code="consent_creditor_required", field="payment.creditor"
        )
    consent = Consent.objects.create(
        application_id=application_id,
        customer_id=customer_id,
        kind=Consent.Kind.PAYMENT,
        valid_until=bank_day(now) + PAYMENT_VALIDITY,
        frequency_per_day=1,
        recurring=False,
        source_account_id=source_account_id,
        amount_minor=amount.minor,
        currency=amount.currency,
        creditor_name=name,
        creditor_iban=iban,
        reference=reference[:140],
        created_at=now,
        status_changed_at=now,
    )
    _publish(consent, "consent.created")
    return consent_view(consent)


@transaction.atomic
def consent_sandbox_grant(
    *, application_id: int, customer_id: int, account_ids: list[int], now: datetime
) -> ConsentView:
    """A valid recurring account-access consent (balances and transactions, 4 reads a day, 90 days), for demos.

    Stands for a demo customer having approved it with SCA, so ``sandbox_partner`` can hand out a
    usable consent. Refused under prod settings (``DEMO_DATA_ALLOWED`` false): ``sandbox_only``.
    Each call grants a fresh one, with the whole day's reads, and the partner terminates the ones
    earlier calls granted (``consent.terminated``): handing back the earlier one would hand back
    its used-up reads. Consents the customer approved herself are left alone; the consent rules
    are those of any consent.
    """
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise ConsentRefused("Sandbox consents exist only outside production.", code="sandbox_only")
    ids = sorted(set(account_ids))
    earlier = Consent.objects.select_for_update().filter(
        application_id=application_id,
        customer_id=customer_id,
        kind=Consent.Kind.ACCOUNT_ACCESS,
        status__in=OPEN_STATUSES,
        approved_by=Consent.ApprovedBy.SANDBOX,
    )
    for consent in earlier.order_by("pk"):
        _move(consent, status=Consent.Status.TERMINATED_BY_TPP, now=now, event="consent.terminated")
    created = consent_account_access_create(
        application_id=application_id,
        customer_id=customer_id,
        account_ids=ids,
        balances=True,
        transactions=True,
        valid_until=bank_day(now) + timedelta(days=90),
        frequency_per_day=FREQUENCY_MAX,
        recurring=True,
        now=now,
    )
    consent = Consent.objects.get(pk=created.id)
    consent.approved_at, consent.approved_by = now, Consent.ApprovedBy.SANDBOX
    return _move(
        consent, status=Consent.Status.VALID, now=now, event="consent.approved", fields=("approved_at", "approved_by")
    )


# --- transitions ---------------------------------------------------------------------------------


def _locked_for_customer(*, consent_id: int, customer_id: int) -> Consent:
    consent = Consent.objects.select_for_update().filter(pk=consent_id, customer_id=customer_id).first()
    if consent is None:
        raise ConsentNotFound("No such consent.")
    return consent


def _move(consent: Consent, *, status: str, now: datetime, event: str, fields: tuple[str, ...] = ()) -> ConsentView:
    consent.status = status
    consent.status_changed_at = now
    consent.save(update_fields=["status", "status_changed_at", *fields])
    _publish(consent, event)
    return consent_view(consent)


@transaction.atomic
def consent_approve(*, consent_id: int, customer_id: int, challenge_id: int, now: datetime) -> ConsentView:
    """The customer approves the consent with an approved SCA challenge, consumed in this transaction.

    The challenge must have been made for ``consent_challenge_details`` of this consent (action
    ``consent_challenge_action``). Refused: ``consent_not_found`` (not this customer's),
    ``consent_not_received`` (already decided), ``consent_expired`` (not approved in time, or its
    last day passed), and the challenge's own refusals (``ChallengeRefused``). A refusal changes
    nothing, the challenge included.
    """
    consent = _locked_for_customer(consent_id=consent_id, customer_id=customer_id)
    if consent.status != Consent.Status.RECEIVED:
        raise ConsentRefused("This consent was already decided.", code="consent_not_received")
    if now - consent.created_at > APPROVAL_WINDOW or bank_day(now) > consent.valid_until:
        raise ConsentRefused("This consent request has expired; ask the partner again.", code="consent_expired")
    action = consent_challenge_action(kind=consent.kind)
    sca.challenge_consume(
        challenge_id=challenge_id,
        user_id=customer_id,
        payload_hash=sca_read.details_hash(action=action, details=_challenge_details(consent)),
        now=now,
    )
    consent.approved_at, consent.approved_by, consent.sca_challenge_id = now, Consent.ApprovedBy.SCA, challenge_id
    return _move(
        consent,
        status=Consent.Status.VALID,
        now=now,
        event="consent.approved",
        fields=("approved_at", "approved_by", "sca_challenge_id"),
    )


@transaction.atomic
def consent_reject(*, consent_id: int, customer_id: int, now: datetime) -> ConsentView:
    """The customer refuses a consent they were asked for. Refused: ``consent_not_received``."""
    consent = _locked_for_customer(consent_id=consent_id, customer_id=customer_id)
    if consent.status != Consent.Status.RECEIVED:
        raise ConsentRefused("This consent was already decided.", code="consent_not_received")
    return _move(consent, status=Consent.Status.REJECTED, now=now, event="consent.rejected")


@transaction.atomic
def consent_revoke(*, consent_id: int, customer_id: int, now: datetime) -> ConsentView:
    """The customer withdraws a consent (received or valid); the partner loses access at once.

    Refused: ``consent_not_open`` (already rejected, revoked, expired or terminated).
    """
    consent = _locked_for_customer(consent_id=consent_id, customer_id=customer_id)
    if consent.status not in OPEN_STATUSES:
        raise ConsentRefused("This consent is no longer in force.", code="consent_not_open")
    return _move(consent, status=Consent.Status.REVOKED_BY_PSU, now=now, event="consent.revoked")


@transaction.atomic
def consent_terminate(*, consent_id: int, application_id: int, now: datetime) -> ConsentView:
    """The partner ends its own consent (``DELETE consents/{id}/``). Refused: ``consent_not_open``."""
    consent = Consent.objects.select_for_update().filter(pk=consent_id, application_id=application_id).first()
    if consent is None:
        raise ConsentNotFound("No such consent.")
    if consent.status not in OPEN_STATUSES:
        raise ConsentRefused("This consent is no longer in force.", code="consent_not_open")
    return _move(consent, status=Consent.Status.TERMINATED_BY_TPP, now=now, event="consent.terminated")


def consents_expire(*, now: datetime) -> int:
    """Expire valid consents past their last day and requests left unapproved; returns how many.

    Safe to run twice and at any time (a beat task); each consent in its own short transaction.
    """
    today = bank_day(now)
    due = list(
        Consent.objects.filter(status=Consent.Status.VALID, valid_until__lt=today).values_list("pk", flat=True)
    ) + list(
        Consent.objects.filter(status=Consent.Status.RECEIVED, created_at__lt=now - APPROVAL_WINDOW).values_list(
            "pk", flat=True
        )
    )
    expired = 0
    for consent_id in due:
        with transaction.atomic():
            consent = Consent.objects.select_for_update().filter(pk=consent_id).first()
            if consent is None or consent.status not in OPEN_STATUSES:
                continue  # decided meanwhile
            stale = (
                consent.valid_until < today
                if consent.status == Consent.Status.VALID
                else consent.created_at < now - APPROVAL_WINDOW
            )
            if stale:
                _move(consent, status=Consent.Status.EXPIRED, now=now, event="consent.expired")
                expired += 1
    return expired


# --- use -----------------------------------------------------------------------------------------


@transaction.atomic
def consent_access_record(*, consent_id: int, account_id: int | None, access: str, now: datetime) -> None:
    """Count one unattended read of ``access`` on ``account_id`` (None: the account list) under the consent.

    Refused with ``AccessFrequencyExceeded`` (429, ``retry_after_seconds`` until the next bank
    day) beyond ``frequency_per_day`` reads of that account's resource in one bank day; a one-off
    consent allows one read of each, ever. Reads the customer makes themselves (the partner's app
    with the customer present, RTS art. 36(5)(a)) are not counted: do not call this for them.
    Refused ``consent_not_usable`` if the consent is not valid now. The count is taken under a row
    lock, so parallel reads cannot exceed it.
    """
    if access not in ACCOUNT_READS:
        raise ConsentRefused(f"{access!r} is not read under an account-access consent.", code="access_kind_invalid")
    consent = Consent.objects.select_for_update().filter(pk=consent_id).first()
    if consent is None:
        raise ConsentNotFound("No such consent.")
    if not consent_is_usable(consent, now=now):
        raise ConsentRefused("This consent is not valid.", code="consent_not_usable")
    day = bank_day(now)
    key = account_id or 0
    row, _ = ConsentAccess.objects.get_or_create(consent=consent, day=day, account_id=key, access=access)
    if consent.recurring:
        used = row.count
    else:
        used = int(
            ConsentAccess.objects.filter(consent=consent, account_id=key, access=access).aggregate(n=Sum("count"))["n"]
            or 0
        )
    if used >= consent.frequency_per_day:
        raise AccessFrequencyExceeded(
            f"This consent allows {consent.frequency_per_day} read(s) a day of this resource; try again tomorrow."
            if consent.recurring
            else "This one-off consent was used already for this resource.",
            retry_after_seconds=_seconds_to_next_bank_day(now),
        )
    ConsentAccess.objects.filter(pk=row.pk).update(count=F("count") + 1)


# --- a single-payment consent executing its payment ----------------------------------------------


class ConsentUsed(ConsentRefused):
    """The consent's one payment was made already; another payment needs another consent."""

    status_code = 409
    code = "consent_used"


class ConsentMismatch(ConsentRefused):
    """The payment differs from what the customer approved; ``fields`` names where (wire names).

    A request error: the body as sent is not the one consented to, and the corrected body may
    follow under the same Idempotency-Key.
    """

    code = "consent_mismatch"
    input_error = True

    def __init__(self, message: str = "", *, fields: tuple[str, ...]) -> None:
        super().__init__(message)
        self.fields = fields

    def field_errors(self) -> dict[str, list[str]]:
        return {field: ["Not what the customer consented to."] for field in self.fields}


@dataclass(frozen=True)
class ConsentPaymentUse:
    """A payment consent spent on one payment: the consent as it is now, and the SCA that approved it."""

    consent: ConsentView
    sca_challenge_id: int | None  # the approval's challenge in bankcore.sca (None if it cannot be found)


def _names_equal(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _payment_refusal(
    consent: Consent,
    *,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    reference: str,
    source_account_id: int,
    payment_ref: str,
    now: datetime,
) -> bool:
    """Raise why ``consent`` cannot pay this; True when it already paid exactly ``payment_ref`` (a replay)."""
    if consent.kind != Consent.Kind.PAYMENT:
        raise ConsentRefused("This consent is not for a payment.", code="consent_kind_invalid")
    if consent.used_at is not None:
        if payment_ref and consent.payment_ref == payment_ref:
            return True
        raise ConsentUsed("This consent was used for its payment already; ask the customer for a new one.")
    if not consent_is_usable(consent, now=now):
        raise ConsentRefused(
            f"This consent is not valid (status {consent.status}); ask the customer for a new one.",
            code="consent_not_usable",
        )
    differs = []
    if consent.amount_minor != amount.minor:
        differs.append("amount")
    if consent.currency != amount.currency:
        differs.append("currency")
    if not _names_equal(consent.creditor_name, creditor_name):
        differs.append("creditor.name")
    if consent.creditor_iban != _iban(creditor_iban):
        differs.append("creditor.iban")
    if consent.reference != reference[:140]:
        differs.append("reference")
    if consent.source_account_id not in (None, source_account_id):
        differs.append("source_account")
    if differs:
        raise ConsentMismatch(
            f"The payment differs from what the customer approved: {', '.join(differs)}.", fields=tuple(differs)
        )
    return False


def consent_payment_check(
    *,
    public_id: uuid.UUID | str,
    application_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    reference: str,
    source_account_id: int,
    now: datetime,
    payment_ref: str = "",
) -> ConsentView:
    """The partner's payment consent if it may pay exactly this now; writes nothing.

    For the payment's door, before the payment's spine runs; ``consent_payment_consume`` decides
    again under the consent's lock. Refused as that one is.
    """
    consent = _partner_consent(public_id=public_id, application_id=application_id, lock=False)
    _payment_refusal(
        consent, amount=amount, creditor_name=creditor_name, creditor_iban=creditor_iban, reference=reference,
        source_account_id=source_account_id, payment_ref=payment_ref, now=now,
    )  # fmt: skip
    return consent_view(consent)


def _partner_consent(*, public_id: uuid.UUID | str, application_id: int, lock: bool) -> Consent:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise ConsentNotFound("No such consent.") from None
    qs = Consent.objects.select_for_update() if lock else Consent.objects
    consent = qs.filter(public_id=key, application_id=application_id).first()
    if consent is None:
        raise ConsentNotFound("No such consent.")
    return consent


@transaction.atomic
def consent_payment_consume(
    *,
    public_id: uuid.UUID | str,
    application_id: int,
    amount: Money,
    creditor_name: str,
    creditor_iban: str,
    reference: str,
    source_account_id: int,
    payment_ref: str,
    now: datetime,
) -> ConsentPaymentUse:
    """Spend the partner's single-payment consent on the payment ``payment_ref``, inside its transaction.

    The payment must be exactly what the customer approved with SCA (amount and currency,
    creditor name and IBAN, reference, and the source account if the consent names one); that
    approval is the payment's SCA, so the payment needs no other. Once: the consent records the
    payment (``used_at``, ``payment_ref``, its source account) and moves to ``expired``, the
    Berlin Group status of a one-off consent that has been used, publishing ``consent.used``. The
    same ``payment_ref`` again changes nothing. Refused: ``consent_not_found`` (404: unknown, or
    another partner's), ``consent_kind_invalid``, ``consent_not_usable`` (not approved, rejected,
    revoked, terminated, expired or past its day), ``consent_used`` (409), ``consent_mismatch``
    (``ConsentMismatch.fields``). Under the consent's row lock, so two payments cannot both use it.
    """
    consent = _partner_consent(public_id=public_id, application_id=application_id, lock=True)
    replay = _payment_refusal(
        consent, amount=amount, creditor_name=creditor_name, creditor_iban=creditor_iban, reference=reference,
        source_account_id=source_account_id, payment_ref=payment_ref, now=now,
    )  # fmt: skip
    challenge_id = sca_read.challenge_used_for(
        user_id=consent.customer_id, action=PAYMENT_ACTION, details=_challenge_details(consent)
    )
    if replay:
        return ConsentPaymentUse(consent=consent_view(consent), sca_challenge_id=challenge_id)
    consent.used_at = now
    consent.payment_ref = payment_ref
    consent.source_account_id = source_account_id
    view = _move(
        consent,
        status=Consent.Status.EXPIRED,
        now=now,
        event="consent.used",
        fields=("used_at", "payment_ref", "source_account_id"),
    )
    return ConsentPaymentUse(consent=view, sca_challenge_id=challenge_id)
