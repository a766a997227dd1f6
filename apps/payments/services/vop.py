"""Verification of payee (Regulation 260/2012 art. 5c): the payee's name checked before approval.

For an IBAN of this bank the holder's name comes from ``apps.accounts``; for another bank the
question goes over HTTP to that bank's responder (``CLEARING_VOP_URL``, the clearing simulator
outside production), as the EPC VoP scheme does. The answer is advice: the customer sees it and
decides; it is stored with the payment.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import requests
from django.conf import settings

from apps.accounts import interface as accounts
from apps.fraud import interface as fraud
from apps.payments.models import VopResult

log = logging.getLogger(__name__)

CLOSE_ENOUGH = 0.85
_LEGAL_FORMS = frozenset(
    {"gmbh", "ag", "sa", "sarl", "sas", "bv", "nv", "ltd", "limited", "plc", "inc", "llc", "srl", "spa"}
)


@dataclass(frozen=True)
class PayeeCheck:
    result: str  # a VopResult
    matched_name: str  # the holder's real name, for CMTC; "" otherwise
    internal: bool  # the IBAN is this bank's

    @property
    def advice(self) -> str:
        return {
            VopResult.MATCH: "The name matches the account holder's.",
            VopResult.CLOSE_MATCH: f"The account holder's name is {self.matched_name}. Check before you pay.",
            VopResult.NO_MATCH: "The name does not match the account holder's. The money may go to someone else.",
            VopResult.NOT_POSSIBLE: "The payee's bank could not check the name.",
        }[VopResult(self.result)]


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(t for t in text.split() if t not in _LEGAL_FORMS)


def name_compare(*, asked: str, holder: str) -> PayeeCheck:
    """This bank's own answer for one of its accounts."""
    a, h = _normalise(asked), _normalise(holder)
    if not a or not h:
        return PayeeCheck(VopResult.NOT_POSSIBLE, "", True)
    if a == h:
        return PayeeCheck(VopResult.MATCH, "", True)
    if sorted(a.split()) == sorted(h.split()) or fraud.name_similarity(a, h) >= CLOSE_ENOUGH:
        return PayeeCheck(VopResult.CLOSE_MATCH, holder, True)
    return PayeeCheck(VopResult.NO_MATCH, "", True)


def _ask_other_bank(*, name: str, iban: str) -> PayeeCheck:
    try:
        response = requests.post(
            settings.CLEARING_VOP_URL,
            json={"requesting_bic": getattr(settings, "BANK_BIC", ""), "party": {"name": name, "iban": iban}},
            timeout=settings.CLEARING_VOP_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        # The scheme's answer when the payee's bank cannot be reached: the customer decides.
        log.warning("verification of payee unavailable", extra={"error": repr(exc)[:200]})
        return PayeeCheck(VopResult.NOT_POSSIBLE, "", False)
    result = body.get("result") if isinstance(body, dict) else None
    if result not in VopResult.values:
        log.warning("verification of payee answered nonsense", extra={"body": str(body)[:200]})
        return PayeeCheck(VopResult.NOT_POSSIBLE, "", False)
    matched = body.get("matched_name") if result == VopResult.CLOSE_MATCH else ""
    return PayeeCheck(str(result), str(matched or "")[:140], False)


def payee_verify(*, iban: str, name: str) -> PayeeCheck:
    """Check ``name`` against the holder of ``iban`` (compact, valid): MTCH, CMTC, NMTC or NOAP."""
    return payee_verify_with(own=accounts.account_for_iban(iban=iban), iban=iban, name=name)


def payee_verify_with(*, own: accounts.AccountRef | None, iban: str, name: str) -> PayeeCheck:
    """``payee_verify`` for a caller that has read this bank's account of ``iban`` already (None: another bank's)."""
    if own is not None:
        if own.status == "closed":
            return PayeeCheck(VopResult.NOT_POSSIBLE, "", True)
        return name_compare(asked=name, holder=own.holder_name)
    return _ask_other_bank(name=name, iban=iban)
