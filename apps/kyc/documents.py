"""Identity documents: upload (checked by content, stored encrypted), the customer's and staff's reads.

An upload is inspected in full (``apps.kyc.uploads``) before anything is written, so a refused
file leaves no row and no file behind. The original and the clean copy are each encrypted with
``bankcore.crypto`` and written to the private store under fresh random names; the row follows
in one transaction, and if that transaction fails the files are removed again.

Reading: the customer reads the copies of their own documents (``document_copy_for_owner``; any
other document is ``Document.DoesNotExist``, a 404 at the door). Staff read only after saying why:
``document_staff_open`` writes a ``SensitiveAccess`` row (who, when, why) and returns a grant, a
signed, short-lived token for that staff member and that document, which ``document_copy_for_staff``
and ``document_original_for_staff`` accept. Every look is therefore one logged reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction

from apps.kyc import storage, uploads
from apps.kyc.models import CaseState, Document, DocumentKind, KycCase, Party, PartyKind, SensitiveAccess
from apps.kyc.services.access import sensitive_access_record
from apps.kyc.uploads import UploadRefused
from bankcore import crypto
from bankcore.errors import DomainError

__all__ = [
    "DocumentFile",
    "DocumentRefused",
    "Upload",
    "UploadRefused",
    "documents_missing",
    "documents_required",
    "documents_upload",
]

# Kinds a case needs before it may be submitted.
PERSON_REQUIRED = (DocumentKind.ID_FRONT, DocumentKind.ID_BACK, DocumentKind.SELFIE)
BUSINESS_REQUIRED = (*PERSON_REQUIRED, DocumentKind.COMPANY_REGISTRATION)
# A customer may add or replace documents only while the case is theirs to change.
EDITABLE_STATES = (CaseState.DRAFT, CaseState.NEEDS_MORE_INFO)
_GRANT_SALT = "kyc.document.grant"


class DocumentRefused(DomainError):
    """The document cannot be added or read this way; ``code``: ``case_not_editable``, ``grant_invalid``."""

    code = "document_refused"


@dataclass(frozen=True)
class Upload:
    kind: str
    name: str  # the customer's file name: shown, never trusted
    data: bytes


@dataclass(frozen=True)
class DocumentFile:
    content: bytes
    media_type: str
    filename: str


def documents_required(*, party_kind: str) -> list[str]:
    """The document kinds a case of a person or a business needs to be submitted."""
    kinds = BUSINESS_REQUIRED if party_kind == PartyKind.BUSINESS else PERSON_REQUIRED
    return [str(kind) for kind in kinds]


def documents_missing(*, case_id: int) -> list[str]:
    """The required kinds the case has no current document of, in the order the wizard asks for them."""
    case = KycCase.objects.get(pk=case_id)
    kind = Party.objects.filter(customer_id=case.customer_id).values_list("kind", flat=True).first()
    present = set(Document.objects.filter(case_id=case_id, superseded_at__isnull=True).values_list("kind", flat=True))
    return [k for k in documents_required(party_kind=kind or PartyKind.PERSON) if k not in present]


def submit_check(*, customer_id: int, case_id: int) -> dict[str, str]:
    """``case_submit``'s check (registered in ``apps.py``): each missing document kind, and why."""
    return {kind: f"{DocumentKind(kind).label} is missing" for kind in documents_missing(case_id=case_id)}


def _limits() -> dict[str, int]:
    return {
        "max_bytes": settings.KYC_UPLOAD_MAX_BYTES,
        "max_pixels": settings.KYC_UPLOAD_MAX_PIXELS,
        "max_pages": settings.KYC_UPLOAD_MAX_PDF_PAGES,
    }


class UploadsRefused(DomainError):
    """One or more files of a batch were refused; ``errors`` maps each refused kind to its refusal."""

    code = "upload_refused"

    def __init__(self, errors: dict[str, UploadRefused]) -> None:
        super().__init__("; ".join(f"{kind}: {error}" for kind, error in errors.items()))
        self.errors = errors


def documents_upload(*, customer_id: int, case_id: int, uploads_: Sequence[Upload], now: datetime) -> list[int]:
    """Add the files to the customer's case (each replacing a current one of its kind); returns their ids.

    All or nothing: every file is inspected first, and ``UploadsRefused`` (with each refusal by
    kind) leaves nothing stored. The case must be the customer's and in draft or needs_more_info.
    """
    for upload in uploads_:
        DocumentKind(upload.kind)
    case = KycCase.objects.filter(pk=case_id, customer_id=customer_id).first()
    if case is None:
        raise KycCase.DoesNotExist(case_id)
    if case.state not in EDITABLE_STATES:
        raise DocumentRefused(
            f"This verification is {case.get_state_display().lower()}: documents can no longer be changed.",
            code="case_not_editable",
        )
    inspected: list[tuple[Upload, uploads.Inspected]] = []
    errors: dict[str, UploadRefused] = {}
    for upload in uploads_:
        try:
            inspected.append((upload, uploads.inspect(data=upload.data, **_limits())))
        except UploadRefused as refused:
            errors[upload.kind] = refused
    if errors:
        raise UploadsRefused(errors)

    written: list[str] = []
    try:
        stored = []
        for upload, result in inspected:
            original = storage.blob_save(
                customer_id=customer_id, suffix="orig", content=crypto.encrypt_bytes(upload.data)
            )
            written.append(original)
            copy = storage.blob_save(
                customer_id=customer_id, suffix=result.extension, content=crypto.encrypt_bytes(result.copy)
            )
            written.append(copy)
            stored.append((upload, result, original, copy))
        with transaction.atomic():
            locked = KycCase.objects.select_for_update().get(pk=case_id)
            if locked.state not in EDITABLE_STATES:  # submitted meanwhile in another tab
                raise DocumentRefused(
                    f"This verification is {locked.get_state_display().lower()}: documents can no longer be changed.",
                    code="case_not_editable",
                )
            ids = []
            for upload, result, original, copy in stored:
                Document.objects.filter(case_id=case_id, kind=upload.kind, superseded_at__isnull=True).update(
                    superseded_at=now
                )
                document = Document.objects.create(
                    case_id=case_id, customer_id=customer_id, kind=upload.kind, media_type=result.media_type,
                    original_name=_display_name(upload.name), original_blob=original, copy_blob=copy,
                    original_sha256=result.original_sha256, original_size=result.original_size,
                    copy_size=len(result.copy), width=result.width, height=result.height, pages=result.pages,
                    uploaded_at=now,
                )  # fmt: skip
                ids.append(document.pk)
    except BaseException:
        for name in written:
            storage.blob_delete(name=name)  # no orphan evidence for a row that never was
        raise
    return ids


def too_large_message() -> str:
    return f"The file is too large: at most {uploads.size_text(settings.KYC_UPLOAD_MAX_BYTES)} is accepted."


def documents_encryption_rotate(batch: int = 500) -> int:
    """Re-encrypt every stored file not made with the newest key; returns the documents changed.

    Each file is written anew under a fresh name, the row switched to it in one statement, then
    the old file removed: a crash in between leaves an orphan file, never a row without its file.
    """
    changed = 0
    last_pk = 0
    while True:
        rows = list(Document.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not rows:
            return changed
        for document in rows:
            updates: dict[str, str] = {}
            for field in ("original_blob", "copy_blob"):
                name = getattr(document, field)
                token = storage.blob_read(name=name)
                if crypto.needs_rotation(token):
                    suffix = name.rsplit(".", 1)[-1]
                    updates[field] = storage.blob_save(
                        customer_id=document.customer_id, suffix=suffix, content=crypto.rotate_bytes(token)
                    )
            if updates:
                Document.objects.filter(pk=document.pk).update(**updates)
                for field in updates:
                    storage.blob_delete(name=getattr(document, field))
                changed += 1
        last_pk = rows[-1].pk


def _display_name(name: str) -> str:
    # Only for showing: the path part and control characters are dropped, the length capped.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]


def _file(document: Document, *, blob: str, media_type: str, suffix: str) -> DocumentFile:
    content = crypto.decrypt_bytes(storage.blob_read(name=blob))
    name = f"{document.kind}-{document.pk}.{suffix}"
    return DocumentFile(content=content, media_type=media_type, filename=name)


def _copy(document: Document) -> DocumentFile:
    return _file(
        document,
        blob=document.copy_blob,
        media_type=document.media_type,
        suffix=uploads.EXTENSIONS[document.media_type],
    )


def document_copy_for_owner(*, customer_id: int, document_id: int) -> DocumentFile:
    """The clean copy of the customer's own document; anyone else's raises ``Document.DoesNotExist``."""
    return _copy(Document.objects.get(pk=document_id, customer_id=customer_id))


def document_staff_open(*, staff_id: int, document_id: int, reason: str, now: datetime) -> str:
    """Log that ``staff_id`` looks at the document and why; returns the grant that opens it for a while.

    ``sensitive_access_record`` refuses (``AccessRefused``) an empty reason and anyone who is not
    KYC staff; nothing is opened then.
    """
    document = Document.objects.get(pk=document_id)
    access_id = sensitive_access_record(
        staff_id=staff_id, subject=SensitiveAccess.Subject.DOCUMENT, object_id=document.pk, reason=reason, now=now
    )
    return signing.dumps({"s": staff_id, "d": document.pk, "a": access_id}, salt=_GRANT_SALT)


def _granted(*, staff_id: int, document_id: int, grant: str) -> Document:
    try:
        opened = signing.loads(grant, salt=_GRANT_SALT, max_age=settings.KYC_DOCUMENT_GRANT_SECONDS)
    except signing.BadSignature:
        raise DocumentRefused("Give a reason to view this document (again).", code="grant_invalid") from None
    if opened.get("s") != staff_id or opened.get("d") != document_id:
        raise DocumentRefused("This view was opened by someone else or for another document.", code="grant_invalid")
    return Document.objects.get(pk=document_id)


def document_copy_for_staff(*, staff_id: int, document_id: int, grant: str) -> DocumentFile:
    """The clean copy, for the staff member whose logged view ``grant`` is (and only while it lasts)."""
    return _copy(_granted(staff_id=staff_id, document_id=document_id, grant=grant))


def document_original_for_staff(*, staff_id: int, document_id: int, grant: str) -> DocumentFile:
    """The original as uploaded (the evidence), decrypted, under the same logged grant. Download only."""
    document = _granted(staff_id=staff_id, document_id=document_id, grant=grant)
    return _file(document, blob=document.original_blob, media_type="application/octet-stream", suffix="original")
