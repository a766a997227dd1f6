"""Identity documents a customer uploads to a case: where the evidence and its clean copy are kept.

Neither file is in the database: ``original_blob`` and ``copy_blob`` name encrypted files in the
private store (``apps.kyc.storage``, ``KYC_STORAGE_DIR``). The original is the evidence, byte for
byte as uploaded; the copy (re-encoded, no metadata) is what people are shown. A new upload of
the same kind supersedes the old one, which stays as evidence. Only ``apps.kyc.documents`` writes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class DocumentKind(models.TextChoices):
    ID_FRONT = "id_front", "ID document, front"
    ID_BACK = "id_back", "ID document, back"
    SELFIE = "selfie", "Selfie"
    PROOF_OF_ADDRESS = "proof_of_address", "Proof of address"
    COMPANY_REGISTRATION = "company_registration", "Company registration"


class Document(models.Model):
    case = models.ForeignKey("kyc.KycCase", on_delete=models.PROTECT, related_name="documents")
    # The owner, kept on the row so every customer-facing read filters on it in one place.
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    media_type = models.CharField(max_length=40)  # what the content is, never what the browser said
    original_name = models.CharField(max_length=200, blank=True, help_text="as the customer named it; shown only")
    original_blob = models.CharField(max_length=200, unique=True)
    copy_blob = models.CharField(max_length=200, unique=True)
    original_sha256 = models.CharField(max_length=64)
    original_size = models.PositiveIntegerField()
    copy_size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "kind", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(superseded_at__isnull=True),
                name="kyc_document_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(media_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="kyc_document_media_type_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
