"""A customer's saved payees. Adding one, changing its name or IBAN and trusting it need SCA.

Each of those is bound to what it changes (``beneficiary_sca_details``) and approved with the
customer's code first; the service consumes that approval in its own transaction, once. A new or
renamed beneficiary is (re-)screened against the sanctions lists by the fraud app, now and after
every list change. A trusted beneficiary exempts later payments to it from SCA (RTS art. 13).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from apps.fraud import interface as fraud
from apps.payments.errors import BeneficiaryNotFound, BeneficiaryRefused, PaymentInvalid
from apps.payments.models import Beneficiary
from apps.payments.services import validation
from bankcore.sca import selectors as sca_read
from bankcore.sca import services as sca

ACTION = "beneficiary"


def beneficiary_sca_details(*, op: str, name: str, iban: str, beneficiary_id: int | None = None) -> dict[str, Any]:
    """What the customer approves: the operation and the payee it is about."""
    return {"op": op, "name": name, "iban": iban, "beneficiary_id": beneficiary_id}


def beneficiary_input_check(*, name: str, iban: str, nickname: str = "") -> tuple[str, str, str, str]:
    """(name, compact IBAN, BIC or "", nickname) or ``BeneficiaryRefused`` naming the field."""
    try:
        clean_name = validation.name_check(name, field="name")
        parsed = validation.iban_parse(iban, field="iban")
    except PaymentInvalid as invalid:
        raise BeneficiaryRefused(str(invalid), code=invalid.code, field=invalid.field) from None
    nick = " ".join((nickname or "").split())
    if len(nick) > 60:
        raise BeneficiaryRefused("A nickname is at most 60 characters.", code="nickname_too_long", field="nickname")
    return clean_name, parsed.iban, parsed.bic, nick


def _consume(*, customer_id: int, challenge_id: int | None, details: dict[str, Any], now: datetime) -> None:
    if challenge_id is None:
        raise BeneficiaryRefused("Confirm this with your authentication code.", code="sca_required")
    sca.challenge_consume(
        challenge_id=challenge_id,
        user_id=customer_id,
        payload_hash=sca_read.details_hash(action=ACTION, details=details),
        now=now,
    )


def _locked(*, customer_id: int, beneficiary_id: int) -> Beneficiary:
    found = (
        Beneficiary.objects.select_for_update()
        .filter(pk=beneficiary_id, customer_id=customer_id, status=Beneficiary.Status.ACTIVE)
        .first()
    )
    if found is None:
        raise BeneficiaryNotFound(f"no beneficiary {beneficiary_id}")
    return found


def _screen(beneficiary: Beneficiary, *, now: datetime) -> None:
    beneficiary.screening_subject_id = fraud.beneficiary_screen(
        beneficiary_id=beneficiary.pk,
        customer_id=beneficiary.customer_id,
        name=beneficiary.name,
        now=now,
        country=beneficiary.iban[:2],
    )
    beneficiary.save(update_fields=["screening_subject_id"])


def beneficiary_add(
    *, customer_id: int, name: str, iban: str, nickname: str = "", challenge_id: int | None, now: datetime
) -> int:
    """Save a payee (SCA-approved for exactly this name and IBAN); returns its id.

    Refused with ``beneficiary_exists`` when the customer already has one for the IBAN.
    """
    clean_name, compact, bic, nick = beneficiary_input_check(name=name, iban=iban, nickname=nickname)
    details = beneficiary_sca_details(op="add", name=clean_name, iban=compact)
    try:
        with transaction.atomic():
            _consume(customer_id=customer_id, challenge_id=challenge_id, details=details, now=now)
            beneficiary = Beneficiary.objects.create(
                customer_id=customer_id,
                name=clean_name,
                iban=compact,
                bic=bic,
                nickname=nick,
                sca_challenge_id=challenge_id,
                created_at=now,
                updated_at=now,
            )
            _screen(beneficiary, now=now)
            return beneficiary.pk
    except IntegrityError:
        raise BeneficiaryRefused(
            "You already have a beneficiary with this IBAN.", code="beneficiary_exists", field="iban"
        ) from None


def beneficiary_change(
    *,
    customer_id: int,
    beneficiary_id: int,
    name: str,
    iban: str,
    nickname: str = "",
    challenge_id: int | None,
    now: datetime,
) -> None:
    """Change a payee. A new name or IBAN needs SCA, drops the trust and is screened again;
    a nickname alone needs neither."""
    clean_name, compact, bic, nick = beneficiary_input_check(name=name, iban=iban, nickname=nickname)
    try:
        with transaction.atomic():
            beneficiary = _locked(customer_id=customer_id, beneficiary_id=beneficiary_id)
            material = (clean_name, compact) != (beneficiary.name, beneficiary.iban)
            if material:
                details = beneficiary_sca_details(
                    op="change", name=clean_name, iban=compact, beneficiary_id=beneficiary_id
                )
                _consume(customer_id=customer_id, challenge_id=challenge_id, details=details, now=now)
                beneficiary.name, beneficiary.iban, beneficiary.bic = clean_name, compact, bic
                beneficiary.trusted, beneficiary.trusted_at = False, None
                beneficiary.sca_challenge_id = challenge_id
            beneficiary.nickname = nick
            beneficiary.updated_at = now
            beneficiary.save()
            if material:
                _screen(beneficiary, now=now)
    except IntegrityError:
        raise BeneficiaryRefused(
            "You already have a beneficiary with this IBAN.", code="beneficiary_exists", field="iban"
        ) from None


def beneficiary_trust_set(
    *, customer_id: int, beneficiary_id: int, trusted: bool, challenge_id: int | None, now: datetime
) -> None:
    """Mark a payee trusted (needs SCA) or not (needs none: it only adds checks)."""
    with transaction.atomic():
        beneficiary = _locked(customer_id=customer_id, beneficiary_id=beneficiary_id)
        if beneficiary.trusted == trusted:
            return
        if trusted:
            details = beneficiary_sca_details(
                op="trust", name=beneficiary.name, iban=beneficiary.iban, beneficiary_id=beneficiary_id
            )
            _consume(customer_id=customer_id, challenge_id=challenge_id, details=details, now=now)
            beneficiary.sca_challenge_id = challenge_id
        beneficiary.trusted = trusted
        beneficiary.trusted_at = now if trusted else None
        beneficiary.updated_at = now
        beneficiary.save()


def beneficiary_delete(*, customer_id: int, beneficiary_id: int, now: datetime) -> None:
    """Remove a payee from the list (kept for the payments that name it); no SCA needed."""
    with transaction.atomic():
        beneficiary = _locked(customer_id=customer_id, beneficiary_id=beneficiary_id)
        beneficiary.status = Beneficiary.Status.DELETED
        beneficiary.trusted, beneficiary.trusted_at = False, None
        beneficiary.updated_at = now
        beneficiary.save()
