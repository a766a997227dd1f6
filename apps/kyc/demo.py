"""Demo KYC: the demo customers have approved cases (tier 2), the demo business customer
``acme@bankcore.localhost`` is approved with one beneficial owner, and one case waits in review
for the KYC officer (``carol@bankcore.localhost``).

Everything goes through the services, as a customer and an officer would; running it again
changes nothing (a customer with a party and a case is left as they are).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.kyc import documents_demo, selectors, services
from apps.kyc.models import CaseState
from bankcore.users import services as users
from bankcore.users.demo import DEMO_PASSWORD, demo_totp_key

OFFICER = "kyc@bankcore.localhost"
ACME = "acme@bankcore.localhost"
PENDING = "carol@bankcore.localhost"

_PERSON: dict[str, Any] = {
    "kind": "person",
    "nationality": "DE",
    "address_city": "Berlin",
    "address_postcode": "10115",
    "address_country": "DE",
    "tax_residence": "DE",
    "occupation": "employee",
    "source_of_funds": "salary",
    "expected_monthly_volume_minor": 300_000,
    "pep": False,
}

# email → (full name, party data)
DEMO_PARTIES: dict[str, tuple[str, dict[str, Any]]] = {
    "alice@bankcore.localhost": (
        "Alice Example",
        {**_PERSON, "legal_name": "Alice Example", "birth_date": "1988-04-02", "address_line": "Invalidenstrasse 1",
         "phone": "+4915100000001", "tax_id": "36574261809", "national_id": "L01X00T47"},
    ),
    "bob@bankcore.localhost": (
        "Bob Example",
        {**_PERSON, "legal_name": "Bob Example", "birth_date": "1979-11-23", "address_line": "Chausseestrasse 8",
         "phone": "+4915100000002", "tax_id": "65929970489", "national_id": "L01X00T55"},
    ),
    ACME: (
        "Acme Handels GmbH",
        {**_PERSON, "kind": "business", "legal_name": "Max Acme", "birth_date": "1970-06-15",
         "address_line": "Friedrichstrasse 100", "phone": "+4930000000100", "occupation": "company_director",
         "source_of_funds": "business_income", "expected_monthly_volume_minor": 900_000,
         "company_name": "Acme Handels GmbH", "registration_number": "Berlin (Charlottenburg) HRB 123456",
         "company_country": "DE", "tax_id": "DE136695976", "national_id": "L01X00T63"},
    ),
    PENDING: (
        "Carol Pending",
        {**_PERSON, "legal_name": "Carol Pending", "birth_date": "1995-02-28", "address_line": "Torstrasse 5",
         "phone": "+4915100000004", "tax_id": "26954371827", "national_id": "L01X00T71",
         "occupation": "self_employed", "expected_monthly_volume_minor": 1_200_000},
    ),
}  # fmt: skip
ACME_OWNER = {"name": "Max Acme", "birth_date": "1970-06-15", "nationality": "DE", "ownership_percent": "100"}


def _ensure_login(email: str, full_name: str) -> int:
    """A demo customer as ``bankcore.users.demo`` makes them: verified e-mail, demo authenticator."""
    user_id = users.user_ensure(email=email, password=DEMO_PASSWORD, full_name=full_name)
    EmailAddress.objects.get_or_create(user_id=user_id, email=email, defaults={"verified": True, "primary": True})
    TOTPDevice.objects.get_or_create(
        user_id=user_id, name="Demo authenticator", defaults={"key": demo_totp_key(email), "confirmed": True}
    )
    return user_id


def _onboard(customer_id: int, data: dict[str, Any], *, now: datetime, owner: dict[str, Any] | None) -> int | None:
    """Profile, owner and a screened case in review; returns the case id (None if one was decided already)."""
    if selectors.party_get(customer_id=customer_id) is None:
        services.party_save(customer_id=customer_id, data=data, now=now)
        if owner is not None:
            services.owner_add(customer_id=customer_id, now=now, **owner)
    current = selectors.case_current(customer_id=customer_id)
    if current is not None and current.state in (CaseState.APPROVED, CaseState.REJECTED):
        return None
    if current is None or current.state in (CaseState.DRAFT, CaseState.NEEDS_MORE_INFO):
        documents_demo.demo_documents_attach(customer_id=customer_id, now=now)  # kycdocs: ID, selfie (specimens)
        case_id = services.case_submit(customer_id=customer_id, now=now)
    else:
        case_id = current.pk
    # seed_demo runs in one transaction, so the queued screening would run only after it: screen now
    # (the queued task then finds the case past screening and does nothing).
    services.case_screen(case_id=case_id, now=now)
    return case_id


def seed() -> list[str]:
    now = timezone.now()
    services.tiers_defaults_ensure()
    officer_id = users.user_id_for_email(email=OFFICER)
    lines = []
    for email, (full_name, data) in DEMO_PARTIES.items():
        customer_id = _ensure_login(email, full_name)
        case_id = _onboard(customer_id, data, now=now, owner=ACME_OWNER if email == ACME else None)
        if email == PENDING or case_id is None or officer_id is None:
            continue
        case = selectors.case_get(case_id=case_id)
        if case.state == CaseState.IN_REVIEW and case.approval_request_id is None:
            services.case_approve(case_id=case_id, officer_id=officer_id, reason="demo customer", now=now)
    approved = ", ".join(e for e in DEMO_PARTIES if e != PENDING)
    lines.append(f"{'kyc':<14} {approved}: approved cases, tier 2 (password {DEMO_PASSWORD})")
    lines.append(f"{'kyc':<14} {PENDING}: a case in review for {OFFICER}")
    return lines
