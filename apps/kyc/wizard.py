"""The onboarding wizard's steps: where the customer stands, and each step's one write.

The progress is read from what is stored (the party, the active case and its documents), so a
customer who comes back days later lands where they left off, and the same rules decide which
steps are done whatever page they open. Each step saves through the kyc services (``party_save``
with ``partial``, ``owner_add``, ``documents_upload``, ``case_submit``): validation lives there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from apps.kyc import documents, selectors
from apps.kyc import services as kyc
from apps.kyc.models import BeneficialOwner, CaseState, Document, DocumentKind, KycCase, Party, PartyKind
from apps.kyc.services.party import BUSINESS_REQUIRED, PERSON_REQUIRED

PERSONAL_FIELDS = (
    "kind", "legal_name", "birth_date", "nationality", "phone", "tax_residence", "tax_id", "occupation",
    "source_of_funds", "pep",
)  # fmt: skip
ADDRESS_FIELDS = ("address_line", "address_postcode", "address_city", "address_country")
COMPANY_FIELDS = ("company_name", "registration_number", "company_country")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url: str
    done: bool


@dataclass(frozen=True)
class Progress:
    case_id: int | None
    state: str | None
    state_label: str
    info_request: str
    decision_reason: str
    editable: bool
    party: Party | None
    owners: list[BeneficialOwner]
    documents: list[Document]
    missing: list[str]
    steps: list[Step] = field(default_factory=list)

    @property
    def tax_id_known(self) -> bool:
        return self.party is not None and bool(self.party.tax_id_encrypted)

    @property
    def missing_labels(self) -> list[str]:
        return [missing_label(name) for name in self.missing]

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)

    def back_url(self, key: str) -> str:
        keys = [step.key for step in self.steps]
        at = keys.index(key)
        return self.steps[at - 1].url if at > 0 else reverse("kyc:status")

    def after(self, key: str) -> str:
        """The next step not done yet after ``key`` (else the review)."""
        keys = [step.key for step in self.steps]
        for step in self.steps[keys.index(key) + 1 :]:
            if not step.done or step.key == "review":
                return step.url
        return reverse("kyc:review")

    @property
    def next_url(self) -> str:
        for step in self.steps:
            if not step.done:
                return step.url
        return reverse("kyc:review")


_MISSING_LABELS = {kind.value: kind.label for kind in DocumentKind} | {
    "legal_name": "your legal name", "birth_date": "your date of birth", "nationality": "your nationality",
    "address_line": "your street", "address_city": "your city", "address_postcode": "your postcode",
    "address_country": "your country", "phone": "your phone number", "tax_residence": "your tax residence",
    "tax_id": "your tax id", "occupation": "your occupation", "source_of_funds": "the source of your money",
    "company_name": "the company name", "registration_number": "the registration number",
    "company_country": "the company's country", "owners": "at least one beneficial owner",
}  # fmt: skip


def missing_label(name: str) -> str:
    """What a missing field or document is called on the page."""
    return _MISSING_LABELS.get(name, name.replace("_", " "))


def read_upload(file: UploadedFile[Any]) -> bytes | None:
    """The bytes of an upload, or None if it is over the size limit (never more than the limit is read)."""
    limit: int = settings.KYC_UPLOAD_MAX_BYTES
    if file.size is not None and file.size > limit:
        return None
    data = b""
    for chunk in file.chunks():
        data += chunk
        if len(data) > limit:
            return None
    return data


def _has(party: Party | None, names: Iterable[str]) -> bool:
    missing = kyc.party_missing_fields(party=party, required=tuple(names))
    return party is not None and not missing


def progress(*, customer_id: int) -> Progress:
    """Where the customer stands: their active case (or last decided one), party, documents, steps."""
    party = Party.objects.filter(customer_id=customer_id).first()
    case = selectors.case_active(customer_id=customer_id) or (
        KycCase.objects.filter(customer_id=customer_id).order_by("-opened_at", "-pk").first()
    )
    current = list(Document.objects.filter(case=case, superseded_at__isnull=True).order_by("kind")) if case else []
    business = party is not None and party.kind == PartyKind.BUSINESS
    owners = list(BeneficialOwner.objects.filter(party=party)) if business else []
    kinds = {d.kind for d in current}
    personal = [f for f in PERSONAL_FIELDS if f not in ("kind", "pep")]
    steps = [
        Step("personal", "Personal details", reverse("kyc:personal"), _has(party, personal)),
        Step("address", "Address", reverse("kyc:address"), _has(party, ADDRESS_FIELDS)),
    ]
    if business:
        steps += [
            Step("company", "Company", reverse("kyc:company"), _has(party, COMPANY_FIELDS)),
            Step("owners", "Beneficial owners", reverse("kyc:owners"), bool(owners)),
            Step(
                "company_document", "Company register", reverse("kyc:company_document"),
                DocumentKind.COMPANY_REGISTRATION in kinds,
            ),
        ]  # fmt: skip
    steps += [
        Step("id_document", "ID document", reverse("kyc:id_document"), {"id_front", "id_back"} <= kinds),
        Step("selfie", "Selfie", reverse("kyc:selfie"), DocumentKind.SELFIE in kinds),
    ]
    required = BUSINESS_REQUIRED if business else PERSON_REQUIRED
    missing = list(kyc.party_missing_fields(party=party, required=required))
    if business and not owners:
        missing.append("owners")
    missing += (
        documents.documents_missing(case_id=case.pk)
        if case
        else documents.documents_required(party_kind=party.kind if party else PartyKind.PERSON)
    )
    state = case.state if case else None
    editable = state in (None, CaseState.DRAFT, CaseState.NEEDS_MORE_INFO)
    steps.append(Step("review", "Review and submit", reverse("kyc:review"), state not in (None, CaseState.DRAFT)))
    return Progress(
        case_id=case.pk if case else None,
        state=state,
        state_label=CaseState(state).label if state else "Not started",
        info_request=case.info_request if case else "",
        decision_reason=case.decision_reason if case and state == CaseState.REJECTED else "",
        editable=editable,
        party=party,
        owners=owners,
        documents=current,
        missing=missing,
        steps=steps,
    )


def personal_initial(progress: Progress) -> dict[str, Any]:
    party = progress.party
    if party is None:
        return {}
    initial = party_initial(progress, fields=[f for f in PERSONAL_FIELDS if f != "tax_id"] + ["company_name"])
    initial["expected_monthly_volume"] = party.expected_monthly_volume_minor // 100
    return initial


def party_initial(progress: Progress, *, fields: list[str]) -> dict[str, Any]:
    party = progress.party
    if party is None:
        return {}
    return {name: getattr(party, name) for name in fields if hasattr(party, name) and name != "tax_id"}


@transaction.atomic
def personal_save(*, customer_id: int, data: dict[str, Any], now: datetime) -> int:
    """Save the personal step and open the draft case it belongs to; returns the case id.

    ``PartyInvalid`` (raised by ``party_save``) names every bad field; nothing is written then.
    """
    values = {name: data[name] for name in PERSONAL_FIELDS if name in data}
    if data.get("kind") == PartyKind.BUSINESS:
        values["company_name"] = data["company_name"]
    if not values.get("tax_id") or values.get("kind") == PartyKind.BUSINESS:
        values.pop("tax_id", None)  # kept as it was: identifiers are never shown back to be re-sent
    values["expected_monthly_volume_minor"] = int(data["expected_monthly_volume"]) * 100
    _refuse_while_with_the_bank(customer_id=customer_id)
    kyc.party_save(customer_id=customer_id, data=values, now=now, partial=True)
    return _case_editable(customer_id=customer_id, now=now)


def _case_editable(*, customer_id: int, now: datetime) -> int:
    """The customer's draft (opened now if there is none); the caller has checked no case is with the bank."""
    return kyc.case_open(customer_id=customer_id, now=now)


def _refuse_while_with_the_bank(*, customer_id: int) -> None:
    # Under the case's row lock, so a submission in another tab cannot slip between check and save.
    active = selectors.case_active(customer_id=customer_id)
    if active is None:
        return
    locked = KycCase.objects.select_for_update().get(pk=active.pk)
    if locked.state not in documents.EDITABLE_STATES:
        raise documents.DocumentRefused(
            f"Your verification is {CaseState(locked.state).label.lower()}: it cannot be changed now.",
            code="case_not_editable",
        )


@transaction.atomic
def party_update(*, customer_id: int, data: dict[str, Any], now: datetime) -> int:
    """Save a later step's fields (address, company) to the party; returns the case id."""
    values = {name: value for name, value in data.items() if name != "tax_id" or value}
    _refuse_while_with_the_bank(customer_id=customer_id)
    kyc.party_save(customer_id=customer_id, data=values, now=now, partial=True)
    return _case_editable(customer_id=customer_id, now=now)


@transaction.atomic
def owner_add(*, customer_id: int, data: dict[str, Any], now: datetime) -> int:
    """Add a beneficial owner (``owner_add``), refused while the case is with the bank."""
    _refuse_while_with_the_bank(customer_id=customer_id)
    return kyc.owner_add(
        customer_id=customer_id, name=data["name"], birth_date=data["birth_date"], nationality=data["nationality"],
        ownership_percent=data["ownership_percent"], now=now,
    )  # fmt: skip


def submit(*, customer_id: int, now: datetime) -> int:
    """Submit the customer's case (``case_submit``: it refuses a second submission and anything missing)."""
    return kyc.case_submit(customer_id=customer_id, now=now)


def uploads_from(cleaned: dict[str, Any], *, kinds: list[str]) -> tuple[list[documents.Upload], list[str]]:
    """The files a form received, read into memory; and the kinds whose file is over the size limit."""
    batch: list[documents.Upload] = []
    too_big: list[str] = []
    for kind in kinds:
        file: UploadedFile[Any] | None = cleaned.get(kind)
        if not file:
            continue
        data = read_upload(file)
        if data is None:
            too_big.append(kind)
        else:
            batch.append(documents.Upload(kind=kind, name=file.name or "", data=data))
    return batch, too_big
