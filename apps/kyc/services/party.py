"""The customer's profile (the party) and a business's beneficial owners.

``party_save`` validates everything before it writes anything: countries are ISO 3166-1 alpha-2
(pycountry), the birth date is not in the future and the person is at least 18, and tax and
national ids are checked with python-stdnum wherever it knows the country's number (a country
it does not know gets a plain sanity check). Identifiers are stored encrypted, with a blind
index and their last four characters for masked display (``bankcore.crypto``).

Saving a complete basic profile with a verified e-mail address moves a tier 0 customer to
tier 1 (docs/KYC.md, "Tiers").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django.db import transaction
from stdnum.exceptions import ValidationError as StdnumInvalid
from stdnum.util import get_cc_module

from apps.kyc import selectors
from apps.kyc.errors import PartyInvalid
from apps.kyc.models import BeneficialOwner, Party, PartyKind
from apps.kyc.models.party import Occupation, SourceOfFunds
from apps.kyc.services.limits import customer_tier_set
from bankcore import crypto
from bankcore.dates import iso_date

# A python-stdnum number module (``validate``, ``compact``); stdnum types them loosely.
StdnumModule = Any

ADULT_AGE = 18

# Fields a customer sets; identifiers (``tax_id``, ``national_id``) arrive in clear and are stored encrypted.
TEXT_FIELDS = (
    "legal_name", "address_line", "address_city", "address_postcode", "phone", "occupation",
    "source_of_funds", "company_name", "registration_number",
)  # fmt: skip
COUNTRY_FIELDS = ("nationality", "address_country", "tax_residence", "company_country")
IDENTIFIER_FIELDS = ("tax_id", "national_id")
OTHER_FIELDS = ("kind", "birth_date", "expected_monthly_volume_minor", "pep")
ALL_FIELDS = frozenset(TEXT_FIELDS + COUNTRY_FIELDS + IDENTIFIER_FIELDS + OTHER_FIELDS)

# Enough to reach tier 1 (who and where, reachable): no documents, no identifiers.
BASIC_FIELDS = (
    "legal_name", "birth_date", "nationality", "address_line", "address_city", "address_postcode",
    "address_country", "phone",
)  # fmt: skip
# Everything a case needs before it may be submitted.
PERSON_REQUIRED = (*BASIC_FIELDS, "tax_residence", "tax_id", "occupation", "source_of_funds")
BUSINESS_REQUIRED = (*PERSON_REQUIRED, "company_name", "registration_number", "company_country")

# stdnum knows a personal tax number under these module names where the country has no ``tin``
# alias (checked first): https://arthurdejong.org/python-stdnum/doc/
_PERSONAL_TAX_ID = {
    "de": "idnr", "fr": "nif", "nl": "bsn", "es": "nif", "it": "codicefiscale", "pt": "nif", "pl": "pesel",
    "be": "nn", "gb": "utr", "ie": "pps", "dk": "cpr", "se": "personnummer", "fi": "hetu", "ro": "cnp",
    "hr": "oib", "bg": "egn", "ee": "ik", "lt": "asmens", "si": "emso", "cz": "rc", "sk": "rc",
}  # fmt: skip
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PLAIN_ID = re.compile(r"^[0-9A-Z]{4,30}$")


def _module(cc: str, *names: str) -> StdnumModule | None:
    for name in names:
        module = get_cc_module(cc.lower(), name)
        if module is not None and hasattr(module, "validate"):
            return module
    return None


def _tax_module(cc: str, *, business: bool) -> StdnumModule | None:
    if business:
        return _module(cc, "vat", "tin")
    personal = _PERSONAL_TAX_ID.get(cc.lower())
    return _module(cc, "tin", *((personal,) if personal else ()), "personalid")


def _check_identifier(value: str, module: StdnumModule | None, label: str) -> tuple[str | None, str]:
    """(error or None, the value as stored: stdnum's compact form, else normalised)."""
    if module is None:
        plain = crypto.normalise_identifier(value)
        if not _PLAIN_ID.match(plain):
            return f"{label} must be 4 to 30 letters and digits", plain
        return None, plain
    try:
        return None, str(module.validate(value))
    except StdnumInvalid as exc:
        short = module.__name__.removeprefix("stdnum.")
        return f"not a valid {label} ({short}: {exc})", value


def country_valid(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return iso_date(str(value))


def _clean(data: dict[str, Any], *, today: date, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate what ``data`` sets; returns (clean values, errors by field). Writes nothing."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    unknown = set(data) - ALL_FIELDS
    for field in sorted(unknown):
        errors[field] = "unknown field"
    if "kind" in data:
        if data["kind"] not in PartyKind.values:
            errors["kind"] = "must be person or business"
        else:
            clean["kind"] = data["kind"]
    for field in TEXT_FIELDS:
        if field in data:
            value = str(data[field] or "").strip()
            if "\x00" in value:
                errors[field] = "contains a NUL character"
                continue
            max_length = getattr(Party._meta.get_field(field), "max_length", None) or 200
            if len(value) > max_length:
                errors[field] = f"at most {max_length} characters"
                continue
            clean[field] = value
    for field in COUNTRY_FIELDS:
        if field in data:
            value = str(data[field] or "").strip().upper()
            if value and not country_valid(value):
                errors[field] = f"{value!r} is not an ISO 3166 country code"
            else:
                clean[field] = value
    if clean.get("phone"):
        phone = re.sub(r"[\s().-]", "", clean["phone"])
        if not _PHONE.match(phone):
            errors["phone"] = "an international number such as +49 151 23456789"
        else:
            clean["phone"] = phone
    if clean.get("occupation") and clean["occupation"] not in Occupation.values:
        errors["occupation"] = "choose one of the listed occupations"
    if clean.get("source_of_funds") and clean["source_of_funds"] not in SourceOfFunds.values:
        errors["source_of_funds"] = "choose one of the listed sources of funds"
    if "birth_date" in data:
        try:
            birth = _as_date(data["birth_date"])
        except ValueError:
            errors["birth_date"] = "a date as YYYY-MM-DD"
        else:
            if birth is not None and birth > today:
                errors["birth_date"] = "lies in the future"
            elif birth is not None and _age_on(birth, today) < ADULT_AGE:
                errors["birth_date"] = f"you must be at least {ADULT_AGE} years old"
            elif birth is not None and birth.year < 1900:
                errors["birth_date"] = "before 1900"
            else:
                clean["birth_date"] = birth
    if "expected_monthly_volume_minor" in data:
        volume = data["expected_monthly_volume_minor"]
        if isinstance(volume, bool) or not isinstance(volume, int) or volume < 0:
            errors["expected_monthly_volume_minor"] = "a whole number of cents, not negative"
        else:
            clean["expected_monthly_volume_minor"] = volume
    if "pep" in data:
        if not isinstance(data["pep"], bool):
            errors["pep"] = "yes or no"
        else:
            clean["pep"] = data["pep"]
    return clean, errors


def party_missing_fields(*, party: Party | None, required: tuple[str, ...] | None = None) -> dict[str, str]:
    """The required fields the party lacks (all of them for no party), as errors by field."""
    if required is None:
        required = BUSINESS_REQUIRED if party is not None and party.kind == PartyKind.BUSINESS else PERSON_REQUIRED
    missing = {}
    for field in required:
        if field in IDENTIFIER_FIELDS:
            present = party is not None and bool(getattr(party, f"{field}_encrypted"))
        else:
            present = party is not None and getattr(party, field) not in ("", None)
        if not present:
            missing[field] = "required"
    return missing


def _set_identifier(party: Party, field: str, value: str) -> None:
    setattr(party, f"{field}_encrypted", crypto.encrypt_text(value))
    setattr(party, f"{field}_index", crypto.blind_index(kind=field, value=value))
    setattr(party, f"{field}_last4", crypto.normalise_identifier(value)[-4:])


@transaction.atomic
def party_save(*, customer_id: int, data: dict[str, Any], now: datetime, partial: bool = False) -> int:
    """Create or update the customer's party from ``data`` (field name → value); returns the party id.

    Raises ``PartyInvalid`` naming every bad field, and writes nothing then. Without ``partial``
    the result must be complete (every field a case needs); with it (the wizard's steps) only
    the given fields are checked. ``tax_id`` is checked for ``tax_residence`` (for a business:
    its VAT number for ``company_country``), ``national_id`` for ``nationality``.
    """
    party = Party.objects.select_for_update().filter(customer_id=customer_id).first()
    kind = str(data.get("kind") or (party.kind if party else PartyKind.PERSON))
    today = selectors.bank_day(now=now)
    clean, errors = _clean(data, today=today, kind=kind)
    merged = {f: getattr(party, f) for f in ALL_FIELDS - set(IDENTIFIER_FIELDS)} if party else {}
    merged.update(clean)
    business = kind == PartyKind.BUSINESS
    if business and not merged.get("company_name"):
        errors.setdefault("company_name", "required for a business")
    identifiers: dict[str, str] = {}
    for field, country_field, label in (
        ("tax_id", "company_country" if business else "tax_residence", "tax id"),
        ("national_id", "nationality", "national id number"),
    ):
        if field not in data or not str(data[field] or "").strip():
            continue
        country = str(merged.get(country_field) or "")
        if not country:
            errors.setdefault(country_field, f"required to check the {label}")
            continue
        module = _tax_module(country, business=business) if field == "tax_id" else _module(country, "personalid")
        problem, stored = _check_identifier(str(data[field]).strip(), module, label)
        if problem:
            errors[field] = problem
        else:
            identifiers[field] = stored
    registration = clean.get("registration_number")
    if business and registration and merged.get("company_country"):
        module = _module(str(merged["company_country"]), "businessid")
        if module is not None:
            problem, stored = _check_identifier(str(registration), module, "registration number")
            if problem:
                errors["registration_number"] = problem
            else:
                clean["registration_number"] = stored
    if errors:
        raise PartyInvalid(errors)
    created = party is None
    if party is None:
        party = Party(customer_id=customer_id, created_at=now)
    for field, value in clean.items():
        setattr(party, field, value)
    for field, value in identifiers.items():
        _set_identifier(party, field, value)
    if not partial:
        missing = party_missing_fields(party=party)
        if missing:
            raise PartyInvalid(missing)
    party.updated_at = now
    party._change_reason = "created by the customer" if created else "updated by the customer"  # type: ignore[attr-defined]
    party.save()
    _tier_one_if_ready(party=party, now=now)
    return party.pk


def _tier_one_if_ready(*, party: Party, now: datetime) -> None:
    """Tier 0 → 1 once the e-mail address is verified and the basic profile is complete."""
    status = selectors.status_get(customer_id=party.customer_id)
    if status is not None and status.tier_id != 0:
        return
    if party_missing_fields(party=party, required=BASIC_FIELDS):
        return
    if not selectors.email_verified(customer_id=party.customer_id):
        return
    customer_tier_set(
        customer_id=party.customer_id, tier=1, risk_rating="", now=now, reason="verified e-mail and basic profile"
    )


@transaction.atomic
def owner_add(
    *,
    customer_id: int,
    name: str,
    birth_date: date | str | None,
    nationality: str,
    ownership_percent: Decimal | str,
    now: datetime,
) -> int:
    """Add a beneficial owner to the business customer's party; returns the owner id."""
    party = Party.objects.select_for_update().filter(customer_id=customer_id).first()
    errors: dict[str, str] = {}
    if party is None or party.kind != PartyKind.BUSINESS:
        raise PartyInvalid({"kind": "only a business customer has beneficial owners"})
    name = name.strip()
    if not name or len(name) > 200 or "\x00" in name:
        errors["name"] = "required, at most 200 characters"
    nationality = nationality.strip().upper()
    if not country_valid(nationality):
        errors["nationality"] = f"{nationality!r} is not an ISO 3166 country code"
    try:
        birth = _as_date(birth_date)
    except ValueError:
        errors["birth_date"] = "a date as YYYY-MM-DD"
        birth = None
    if birth is not None and birth > selectors.bank_day(now=now):
        errors["birth_date"] = "lies in the future"
    try:
        percent = Decimal(str(ownership_percent))
    except InvalidOperation:
        percent = Decimal(-1)
    if not Decimal(0) < percent <= Decimal(100) or percent != percent.quantize(Decimal("0.01")):
        errors["ownership_percent"] = "a percentage above 0 and at most 100, two decimals at most"
    elif not errors:
        held = sum((o.ownership_percent for o in party.owners.all()), Decimal(0))
        if held + percent > 100:
            errors["ownership_percent"] = f"owners would hold {held + percent} % together, more than 100 %"
    if errors:
        raise PartyInvalid(errors)
    owner = BeneficialOwner.objects.create(
        party=party, name=name, birth_date=birth, nationality=nationality, ownership_percent=percent, created_at=now
    )
    return owner.pk


@transaction.atomic
def owner_remove(*, customer_id: int, owner_id: int, now: datetime) -> bool:
    """Remove one of the customer's beneficial owners (before their case is decided); True if removed."""
    deleted, _ = BeneficialOwner.objects.filter(pk=owner_id, party__customer_id=customer_id).delete()
    return bool(deleted)


def party_encryption_rotate(*, batch: int = 500) -> int:
    """Re-encrypt every party's identifiers with the newest key; returns how many rows changed.

    One transaction per batch, so a long rotation holds no lock for long; safe to run again.
    """
    changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(Party.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch])
            for party in rows:
                fields = [
                    f"{field}_encrypted"
                    for field in IDENTIFIER_FIELDS
                    if crypto.needs_rotation(getattr(party, f"{field}_encrypted"))
                ]
                for name in fields:
                    setattr(party, name, crypto.rotate_text(getattr(party, name)))
                if fields:
                    # The history leaves ciphertexts out, so this save writes nothing there worth keeping.
                    party.skip_history_when_saving = True  # type: ignore[attr-defined]
                    party.save(update_fields=fields)
                    del party.skip_history_when_saving  # type: ignore[attr-defined]
                    changed += 1
        if len(rows) < batch:
            return changed
        last_pk = rows[-1].pk


# Other encrypted KYC data (the documents' originals) registers its own rotation here, so the one
# command ``encryption_rotate`` covers everything.
_rotations: dict[str, Callable[[int], int]] = {"parties": lambda batch: party_encryption_rotate(batch=batch)}


def encryption_rotation_register(name: str, rotate: Callable[[int], int]) -> None:
    """Add a rotation ``rotate(batch) -> rows changed`` to ``encryption_rotate`` (from AppConfig.ready)."""
    _rotations[name] = rotate


def encryption_rotate(*, batch: int = 500) -> int:
    """Re-encrypt every encrypted KYC value with the newest key; returns the rows changed."""
    return sum(rotate(batch) for rotate in _rotations.values())
