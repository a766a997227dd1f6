"""Staff access to sensitive data: every look at a decrypted identifier or a document is logged.

``sensitive_access_record`` is the one writer of the log (the documents' serving view calls it
too); ``party_identifier_reveal`` decrypts an identifier only after logging who, when and why.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from apps.kyc.errors import AccessRefused
from apps.kyc.models import Party, SensitiveAccess
from bankcore import crypto
from bankcore.users.models import User

# Who may see KYC's sensitive data: staff who may read parties (KYC officers, auditors, administrators).
VIEW_PERMISSION = "kyc.view_party"
REASON_MAX = 500


@transaction.atomic
def sensitive_access_record(*, staff_id: int, subject: str, object_id: int, reason: str, now: datetime) -> int:
    """Log that ``staff_id`` sees ``subject`` (a ``SensitiveAccess.Subject``) ``object_id``; returns the log id.

    Refused (``AccessRefused``) without a reason, for an unknown subject, or for someone who is not
    active staff allowed to read KYC data: the caller shows nothing then.
    """
    reason = reason.strip()
    if not reason:
        raise AccessRefused("say why you need to see this", code="reason_required")
    if len(reason) > REASON_MAX:
        raise AccessRefused(f"the reason is at most {REASON_MAX} characters", code="reason_too_long")
    if subject not in SensitiveAccess.Subject.values:
        raise AccessRefused(f"unknown sensitive subject {subject!r}", code="unknown_subject")
    staff = User.objects.filter(pk=staff_id, is_active=True, is_staff=True).first()
    if staff is None or not staff.has_perm(VIEW_PERMISSION):
        raise AccessRefused("you may not see KYC's sensitive data", code="not_authorised")
    access = SensitiveAccess.objects.create(staff=staff, subject=subject, object_id=object_id, reason=reason, at=now)
    return access.pk


@transaction.atomic
def party_identifier_reveal(*, party_id: int, field: str, staff_id: int, reason: str, now: datetime) -> str:
    """The decrypted ``field`` ("tax_id" or "national_id") of a party, once the access is logged."""
    subject = {"tax_id": SensitiveAccess.Subject.TAX_ID, "national_id": SensitiveAccess.Subject.NATIONAL_ID}.get(field)
    if subject is None:
        raise AccessRefused(f"{field!r} is not a sensitive identifier", code="unknown_subject")
    party = Party.objects.filter(pk=party_id).first()
    if party is None:
        raise AccessRefused("no such party", code="not_found")
    sensitive_access_record(staff_id=staff_id, subject=subject, object_id=party_id, reason=reason, now=now)
    return crypto.decrypt_text(getattr(party, f"{field}_encrypted"))
