"""Field encryption with key rotation, and keyed blind indexes for encrypted identifiers.

Encryption is ``cryptography``'s MultiFernet (AES-128-CBC + HMAC-SHA256, authenticated, with a
timestamp): ``FIELD_ENCRYPTION_KEYS`` is a list of Fernet keys, the first encrypts, every one of
them decrypts. Rotating is therefore: put a new key first, deploy, run ``manage.py
encryption_rotate`` (re-encrypts every stored value with the first key), then drop the old key.

A ciphertext cannot be searched, so an identifier that must be found again (the same national id
on a second customer) also gets a blind index: HMAC-SHA256 of the normalised value under a
separate ``BLIND_INDEX_KEY`` (a leaked encryption key does not give away the index key, and
vice versa). Rotating the index key means recomputing every index (the values are decrypted for
it), so it is kept apart from the encryption keys and rarely changed.

Without the settings (dev, tests, the embedded default) both keys are derived from
``SECRET_KEY``: convenient, and useless as protection. ``config.settings.prod`` refuses to start
without real keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from bankcore.errors import DomainError

__all__ = [
    "DecryptionFailed",
    "InvalidToken",
    "blind_index",
    "decrypt_bytes",
    "decrypt_text",
    "encrypt_bytes",
    "encrypt_text",
    "generate_key",
    "needs_rotation",
    "normalise_identifier",
    "rotate_bytes",
    "rotate_text",
]


class DecryptionFailed(DomainError):
    """A stored value could not be decrypted with any configured key (a key was dropped too early)."""

    code = "decryption_failed"


def _derived(label: str) -> bytes:
    # Dev/test only: a stable key per purpose derived from SECRET_KEY, so the embedded default
    # works without configuration. Production sets real keys (config/settings/prod.py insists).
    return hashlib.sha256(f"bankcore:{label}:{settings.SECRET_KEY}".encode()).digest()


def generate_key() -> str:
    """A new random Fernet key (for FIELD_ENCRYPTION_KEYS)."""
    return Fernet.generate_key().decode()


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def _keys() -> tuple[str, ...]:
    configured = tuple(k for k in (getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []) if k)
    if configured:
        return configured
    return (base64.urlsafe_b64encode(_derived("field-encryption")).decode(),)


def _fernet() -> MultiFernet:
    return _fernet_for(_keys())


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt ``data`` with the newest key; the token is URL-safe base64 ASCII."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt a token made by ``encrypt_bytes`` with any configured key; ``DecryptionFailed`` if none fits."""
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        raise DecryptionFailed("the value cannot be decrypted with the configured keys") from None


def encrypt_text(text: str) -> str:
    """Encrypt a string; the empty string stays empty (nothing to protect, and "no value" stays visible)."""
    if text == "":
        return ""
    return encrypt_bytes(text.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    if token == "":
        return ""
    return decrypt_bytes(token.encode("ascii")).decode()


def rotate_bytes(token: bytes) -> bytes:
    """The same plaintext encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return _fernet().rotate(token)
    except InvalidToken:
        raise DecryptionFailed("the value cannot be decrypted with the configured keys") from None


def rotate_text(token: str) -> str:
    if token == "":
        return ""
    return rotate_bytes(token.encode("ascii")).decode("ascii")


def needs_rotation(token: str | bytes) -> bool:
    """True if ``token`` was not made with the newest key (so ``rotate_*`` would change it)."""
    if not token:
        return False
    raw = token.encode("ascii") if isinstance(token, str) else token
    newest = Fernet(_keys()[0].encode())
    try:
        newest.decrypt(raw)
    except InvalidToken:
        return True
    return False


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_identifier(value: str) -> str:
    """Upper case, without spaces or punctuation: ``"de 12-345/678"`` and ``"DE12345678"`` are one id."""
    return _NOT_ALNUM.sub("", value.upper())


def _index_key() -> bytes:
    configured = getattr(settings, "BLIND_INDEX_KEY", "") or ""
    return configured.encode() if configured else _derived("blind-index")


def blind_index(*, kind: str, value: str) -> str:
    """A keyed, deterministic digest of the normalised ``value``, separated by ``kind``.

    The same identifier of the same kind always gives the same 64 hex characters, so an equality
    lookup finds it; the kind is part of the input so a tax id never collides with a passport
    number. Empty input gives "" (nothing to find).
    """
    normalised = normalise_identifier(value)
    if not normalised:
        return ""
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()


if __name__ == "__main__":  # python -m bankcore.crypto: a new key for FIELD_ENCRYPTION_KEYS
    print(generate_key())
