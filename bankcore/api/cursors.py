"""Opaque page cursors for the partner API's keyset lists: ``{"results": [...], "next": URL or null}``.

A cursor is URL-safe base64 of where the next page starts (the last id shown, newest first);
clients follow ``next`` and never build one. One that this API did not make is a 400 problem.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def cursor_encode(before: int) -> str:
    return base64.urlsafe_b64encode(f"b{before}".encode()).decode().rstrip("=")


def cursor_decode(value: str) -> int | None:
    """The position a cursor names, or None for a cursor this API never made."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    digits = text[1:]
    if not text.startswith("b") or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    if digits.startswith("0"):
        return None
    return int(digits)


class CursorQuery(serializers.Serializer[Any]):
    cursor = serializers.CharField(required=False, max_length=64)

    def validate_cursor(self, value: str) -> int:
        before = cursor_decode(value)
        if before is None:
            raise serializers.ValidationError("Not a cursor this API gave out: follow the `next` link.")
        return before


def page_before(request: Request) -> int | None:
    """The ``?cursor=`` of the request as a position (None: the first page); a bad one raises a 400."""
    query = CursorQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    before: int | None = query.validated_data.get("cursor")
    return before


def next_link(request: Request, *, before: int | None) -> str | None:
    """The absolute URL of the page after this one, the other query parameters kept; None on the last page."""
    if before is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor_encode(before)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
