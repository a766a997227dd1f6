"""Demo documents: specimen images (drawn here with Pillow) so the demo cases can be submitted."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw

from apps.kyc import documents, selectors
from apps.kyc import services as kyc
from apps.kyc.models import DocumentKind, PartyKind

_COLOURS = {
    DocumentKind.ID_FRONT: "#c9d8ef",
    DocumentKind.ID_BACK: "#d9e6f5",
    DocumentKind.SELFIE: "#f1dcc8",
    DocumentKind.COMPANY_REGISTRATION: "#eeeeee",
}


def specimen(*, kind: str, name: str) -> bytes:
    """A small JPEG that says what it stands for, clearly marked SPECIMEN."""
    image = Image.new("RGB", (640, 400), _COLOURS.get(DocumentKind(kind), "#dddddd"))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 629, 389), outline="#334455", width=4)
    draw.text((40, 40), "SPECIMEN - demo data", fill="#aa0000")
    draw.text((40, 90), DocumentKind(kind).label, fill="#112233")
    draw.text((40, 140), name, fill="#112233")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def demo_documents_attach(*, customer_id: int, now: datetime) -> int:
    """Give the customer's open case the documents it still lacks (specimens); returns how many were added."""
    party = selectors.party_get(customer_id=customer_id)
    case_id = kyc.case_open(customer_id=customer_id, now=now)
    missing = documents.documents_missing(case_id=case_id)
    name = (party.company_name if party and party.kind == PartyKind.BUSINESS else party.legal_name) if party else ""
    batch = [
        documents.Upload(kind=kind, name=f"specimen-{kind}.jpg", data=specimen(kind=kind, name=name))
        for kind in missing
    ]
    if batch:
        documents.documents_upload(customer_id=customer_id, case_id=case_id, uploads_=batch, now=now)
    return len(batch)
