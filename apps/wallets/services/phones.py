"""Receiving wallet money by phone: a number counts only once its holder entered the code sent to it.

``phone_claim`` validates the number (``phonenumbers``: a real, SMS-capable number, stored in
E.164) and texts a six-digit code, valid 10 minutes, of which only an HMAC-SHA256 under a key of
the bank's is stored; ``phone_verify`` takes at most ``MAX_ATTEMPTS`` tries at one code, then a new
one must be asked for. Codes are rate limited per customer, whatever number they ask for: one a
minute, ``MAX_SENDS`` a day.

A number someone else has verified is handled exactly like a free one from the claimant's side
(the same answer, a code "sent"), so adding a number never tells whether it belongs to a
customer. The code goes to the phone, that is, to its holder, who is the other customer: the
claimant never gets it. Only someone who does hold a code for the number learns, on entering
it, that it cannot be added (``phone_unavailable``); the database lets one customer alone hold a
verified number.

SMS is simulated (no carrier here): ``sms_send`` delivers the text to the inbox of the customer
who holds the number (its verified holder, else the claimant), through ``bankcore.notifications``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import IntegrityError, transaction

from apps.wallets import conf
from apps.wallets.errors import WalletRefused
from apps.wallets.models import PhoneClaim, WalletPhone
from bankcore.notifications import notify

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
SEND_WINDOW = timedelta(days=1)
MAX_SENDS = 5
SMS_KIND = "wallets.sms"
PAGE = "/app/wallets/phone/"
_SMS_CAPABLE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def phone_normalise(phone: str) -> str:
    """E.164 from what a person types ("+49 151 1234 5678" → "+4915112345678"); raises on anything else."""
    text = (phone or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise WalletRefused(
            "Write a mobile number with its country code, e.g. +49 151 1234 5678.", code="invalid_phone"
        )
    if phonenumbers.number_type(number) not in _SMS_CAPABLE:
        raise WalletRefused("That number cannot receive text messages; use a mobile number.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(number: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _digest(claim: PhoneClaim, code: str) -> str:
    # Bound to the claim and the number: a code for one never fits another.
    message = f"{claim.pk}\x00{claim.phone}\x00{code}".encode()
    return hmac.new(conf.phone_code_key(), message, hashlib.sha256).hexdigest()


def sms_send(*, phone: str, text: str, claimant_id: int, now: datetime) -> None:
    """The simulated carrier: the text reaches whoever holds the number (its verified holder, else the claimant)."""
    holder = WalletPhone.objects.filter(phone=phone).values_list("customer_id", flat=True).first()
    notify(
        customer_id=holder or claimant_id, kind=SMS_KIND, title=f"Text message to {phone_display(phone)}",
        body=text, link=PAGE, now=now,
    )  # fmt: skip


def _send_code(claim: PhoneClaim, *, now: datetime) -> None:
    if claim.sent_at is not None and now < claim.sent_at + RESEND_AFTER:
        wait = int((claim.sent_at + RESEND_AFTER - now).total_seconds()) + 1
        raise WalletRefused(f"A code was just sent; ask again in {wait} seconds.", code="code_rate_limited")
    if claim.window_started_at is None or now >= claim.window_started_at + SEND_WINDOW:
        claim.window_started_at, claim.sends_in_window = now, 0
    if claim.sends_in_window >= MAX_SENDS:
        raise WalletRefused(f"{MAX_SENDS} codes were sent today; try again tomorrow.", code="code_rate_limited")
    code = f"{secrets.randbelow(10**6):06d}"
    claim.code_hash = _digest(claim, code)
    claim.code_expires_at = now + CODE_TTL
    claim.attempts = 0
    claim.sent_at = now
    claim.sends_in_window += 1
    claim.save()
    sms_send(
        phone=claim.phone, claimant_id=claim.customer_id, now=now,
        text=f"Your bankcore code is {code}. It lets {phone_display(claim.phone)} receive wallet money and expires in "
        "10 minutes. Never share it: the bank will never ask you for it.",
    )  # fmt: skip


@transaction.atomic
def phone_claim(*, customer_id: int, phone: str, now: datetime) -> str:
    """Ask to receive money at ``phone``: a code is texted to it; returns the number in E.164.

    The answer is the same whether or not another customer holds the number.
    """
    number = phone_normalise(phone)
    if WalletPhone.objects.filter(customer_id=customer_id, phone=number).exists():
        raise WalletRefused("You already receive money at this number.", code="phone_already_yours")
    claim, _ = PhoneClaim.objects.select_for_update().get_or_create(
        customer_id=customer_id, defaults={"phone": number, "created_at": now}
    )
    if claim.phone != number:
        claim.phone, claim.code_hash, claim.code_expires_at = number, "", None
    _send_code(claim, now=now)
    return number


@transaction.atomic
def phone_code_resend(*, customer_id: int, now: datetime) -> str:
    claim = PhoneClaim.objects.select_for_update().filter(customer_id=customer_id).exclude(phone="").first()
    if claim is None:
        raise WalletRefused("Add a number first.", code="no_phone_claim")
    _send_code(claim, now=now)
    return claim.phone


@dataclass(frozen=True)
class _Outcome:
    number: str = ""
    refusal: WalletRefused | None = None


def phone_verify(*, customer_id: int, code: str, now: datetime) -> str:
    """Enter the texted code: the number becomes the customer's to receive money by; returns it.

    A wrong code counts as an attempt even though the call is refused (it is stored first).
    """
    outcome = _verify(customer_id=customer_id, code=code.strip(), now=now)
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome.number


@transaction.atomic
def _verify(*, customer_id: int, code: str, now: datetime) -> _Outcome:
    claim = PhoneClaim.objects.select_for_update().filter(customer_id=customer_id).first()
    if claim is None or not claim.code_hash:
        return _Outcome(refusal=WalletRefused("Ask for a code first.", code="no_phone_claim"))
    if claim.code_expires_at is None or now >= claim.code_expires_at:
        return _Outcome(refusal=WalletRefused("That code has expired; ask for a new one.", code="code_expired"))
    if claim.attempts >= MAX_ATTEMPTS:
        return _Outcome(refusal=WalletRefused("Too many wrong codes; ask for a new one.", code="code_attempts"))
    if not (code.isascii() and code.isdigit()) or not hmac.compare_digest(claim.code_hash, _digest(claim, code)):
        claim.attempts += 1
        claim.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - claim.attempts
        message = f"{left} tries left." if left else "Ask for a new one."
        return _Outcome(refusal=WalletRefused(f"That code is not right. {message}", code="code_wrong"))
    claim.code_hash, claim.code_expires_at = "", None  # used: never a second time
    claim.save(update_fields=["code_hash", "code_expires_at"])
    unavailable = WalletRefused(
        "This number cannot be added to your profile; contact us if it is yours.", code="phone_unavailable"
    )
    if WalletPhone.objects.filter(phone=claim.phone).exclude(customer_id=customer_id).exists():
        return _Outcome(refusal=unavailable)
    try:
        with transaction.atomic():
            WalletPhone.objects.update_or_create(
                customer_id=customer_id, defaults={"phone": claim.phone, "created_at": now}
            )
    except IntegrityError:  # verified by another customer at the same moment
        return _Outcome(refusal=unavailable)
    notify(
        customer_id=customer_id, kind="wallets.activity", title="Your phone number is verified",
        body=f"People can now send you wallet money at {phone_display(claim.phone)}.", link=PAGE, now=now,
    )  # fmt: skip
    return _Outcome(number=claim.phone)


def phone_verified_set(*, customer_id: int, phone: str, now: datetime) -> str:
    """Demo data only: a number the seed declares verified (no code: the demo customers are the bank's own)."""
    number = phone_normalise(phone)
    WalletPhone.objects.update_or_create(customer_id=customer_id, defaults={"phone": number, "created_at": now})
    return number
