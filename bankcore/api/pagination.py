"""Lists on the wire: ``{"results": [...], "next": URL or null}``, the next page named by ``cursor``.

Every context's list endpoint answers this one shape and documents it with ``page_of``, so a
client pages every list the same way: follow ``next`` until it is null. A cursor is opaque; one
this API did not give out is a 400 problem naming the ``cursor`` parameter.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

CURSOR_PARAMETER = OpenApiParameter(
    "cursor",
    OpenApiTypes.STR,
    description="Opaque: copy it from the previous page's `next`; an unknown one is a 400.",
)


@cache
def page_of(item: type[serializers.Serializer[Any]]) -> serializers.Serializer[Any]:
    """The schema of a page of ``item`` (one component per item type, ``<Item>Page``)."""
    return inline_serializer(
        name=f"{item.__name__.removesuffix('Output').removesuffix('Out')}Page",
        fields={
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
        },
    )


def page(results: list[Any], *, next_url: str | None = None) -> dict[str, Any]:
    return {"results": results, "next": next_url}
