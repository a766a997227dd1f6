"""Field encryption with rotation, and the keyed blind index (bankcore.crypto)."""

from __future__ import annotations

from typing import Any

import pytest

from bankcore import crypto


@pytest.fixture
def keys(settings: Any) -> list[str]:
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), crypto.generate_key()]
    return list(settings.FIELD_ENCRYPTION_KEYS)


def test_text_and_bytes_round_trip_and_hide_the_plaintext(keys: list[str]) -> None:
    token = crypto.encrypt_text("DE 123 456")
    assert "123" not in token
    assert crypto.decrypt_text(token) == "DE 123 456"
    data = b"\x89PNG original bytes"
    assert crypto.decrypt_bytes(crypto.encrypt_bytes(data)) == data
    assert crypto.encrypt_text("") == ""
    assert crypto.decrypt_text("") == ""


def test_the_first_key_encrypts_and_every_key_decrypts(settings: Any, keys: list[str]) -> None:
    newest, older = keys
    settings.FIELD_ENCRYPTION_KEYS = [older]
    old_token = crypto.encrypt_text("secret")
    settings.FIELD_ENCRYPTION_KEYS = [newest, older]
    assert crypto.decrypt_text(old_token) == "secret"
    assert crypto.needs_rotation(old_token)
    rotated = crypto.rotate_text(old_token)
    assert not crypto.needs_rotation(rotated)
    settings.FIELD_ENCRYPTION_KEYS = [newest]
    assert crypto.decrypt_text(rotated) == "secret"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(old_token)


def test_a_tampered_token_is_refused(keys: list[str]) -> None:
    token = crypto.encrypt_bytes(b"value")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_bytes(token[:-4] + b"AAAA")


def test_without_keys_a_dev_key_is_derived_from_the_secret(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = []
    token = crypto.encrypt_text("dev value")
    assert crypto.decrypt_text(token) == "dev value"
    settings.SECRET_KEY = "another-secret-" * 4
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(token)


def test_the_blind_index_normalises_and_separates_kinds(settings: Any) -> None:
    settings.BLIND_INDEX_KEY = "k" * 40
    a = crypto.blind_index(kind="national_id", value="t22 000-129")
    assert a == crypto.blind_index(kind="national_id", value="T22000129")
    assert len(a) == 64
    assert a != crypto.blind_index(kind="tax_id", value="T22000129")
    assert crypto.blind_index(kind="national_id", value=" -/ ") == ""


def test_the_blind_index_depends_on_its_own_key(settings: Any) -> None:
    settings.BLIND_INDEX_KEY = "a" * 40
    first = crypto.blind_index(kind="tax_id", value="36574261809")
    settings.BLIND_INDEX_KEY = "b" * 40
    assert crypto.blind_index(kind="tax_id", value="36574261809") != first
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]  # the encryption keys play no part
    assert crypto.blind_index(kind="tax_id", value="36574261809") == crypto.blind_index(
        kind="tax_id", value="36574261809"
    )
