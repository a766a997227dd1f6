"""Back office for KYC: tiers and their limits (edited with history), customers' standing (read-only).

A customer's tier changes through a decision on their case (``customer_tier_set``), never by
editing the row, so every change has its reason, its event and its message to the customer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from apps.kyc.models import CustomerKyc, Limit, Tier, UsageBucket
from bankcore.admin_mixins import ReadOnlyAdmin


@admin.register(Tier)
class TierAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("level", "name", "moves_money")
    readonly_fields = ("level",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the three tiers are the rules' own; their names and texts may be edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Limit)
class LimitAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = (
        "tier", "risk_rating", "kind", "per_transaction_minor", "per_day_minor", "per_month_minor", "held_minor",
    )  # fmt: skip
    list_filter = ("tier", "risk_rating", "kind")


@admin.register(CustomerKyc)
class CustomerKycAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("customer", "tier", "risk_rating", "restricted", "approved_at", "next_review_date")
    list_filter = ("tier", "risk_rating", "restricted")
    search_fields = ("customer__email",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UsageBucket)
class UsageBucketAdmin(ReadOnlyAdmin):
    list_display = ("customer", "kind", "period", "starts_on", "used_minor")
    list_filter = ("kind", "period")
    search_fields = ("customer__email",)


# --- kycdocs: identity documents, each look logged with its reason ---
from apps.kyc import admin_documents  # noqa: E402, F401
