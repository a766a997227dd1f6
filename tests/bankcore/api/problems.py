"""Reading a problem's ``errors`` in the API's one shape (nested as DRF nests, never dotted keys)."""

from __future__ import annotations

from typing import Any

WHOLE = "non_field_errors"


def field_paths(errors: Any, prefix: str = "") -> set[str]:
    """The dotted path of every field with messages: ``{"creditor": {"iban": [...]}}`` → ``{"creditor.iban"}``.

    ``{"creditor": {"non_field_errors": [...]}}`` is about ``creditor``, a body's own are ``non_field_errors``.

    Fails on a key that is itself dotted or on anything but the nested shape, so a test that reads
    paths through it also proves the shape.
    """
    assert isinstance(errors, dict), errors
    assert errors, "errors names no field"
    paths: set[str] = set()
    for name, value in errors.items():
        assert isinstance(name, str), name
        assert "." not in name, f"a dotted key in errors: {name!r}"
        # A nested object's own messages (DRF's non_field_errors inside it) are about that object.
        path = prefix.removesuffix(".") if name == WHOLE and prefix else f"{prefix}{name}"
        if isinstance(value, dict):
            paths |= field_paths(value, f"{path}.")
        else:
            assert isinstance(value, list), value
            assert value, f"no messages for {path}"
            assert all(isinstance(message, str) for message in value), value
            paths.add(path)
    return paths
