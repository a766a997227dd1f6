"""The private store of identity documents: a folder no URL maps to, read only by access-checked views.

Django's storage API over ``KYC_STORAGE_DIR`` (outside ``MEDIA_ROOT`` and the static files), with
owner-only permissions. It has no ``base_url``: nothing here has a public address.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise NotImplementedError("KYC documents have no public URL: serve them through the access-checked views")


def private_storage() -> PrivateStorage:
    """The store as the settings say now (tests point ``KYC_STORAGE_DIR`` elsewhere)."""
    return PrivateStorage(
        location=str(settings.KYC_STORAGE_DIR), file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def blob_save(*, customer_id: int, suffix: str, content: bytes) -> str:
    """Store ``content`` under a fresh unguessable name; returns the storage name."""
    name = f"{customer_id}/{secrets.token_hex(16)}.{suffix}"
    return private_storage().save(name, ContentFile(content))


def blob_read(*, name: str) -> bytes:
    with private_storage().open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def blob_delete(*, name: str) -> None:
    private_storage().delete(name)
