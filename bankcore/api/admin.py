"""Back office for partners and their consents: staff set whom a partner acts for; consents are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.api import services
from bankcore.api.models import Consent, PartnerGrant, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(PartnerGrant)
class PartnerGrantAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library base
    list_display = ("application", "scopes", "acting_for", "created_at")
    search_fields = ("application__name", "acting_for__email")
    raw_id_fields = ("acting_for",)
    fields = ("application", "scopes", "acting_for", "created_at")
    readonly_fields = ("application", "scopes", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # partners are registered by partner_create, which issues the secret once

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PartnerGrant, form: Any, change: bool) -> None:
        # The one change staff make here goes through the service, which checks the customer.
        services.partner_acting_for_set(application_id=obj.application_id, customer_id=obj.acting_for_id)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library base
    list_display = ("public_id", "application", "customer", "kind", "status", "valid_until", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("public_id", "customer__email", "application__name")


class WebhookAttemptInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library base
    list_display = ("public_id", "application", "url", "status", "consecutive_failures", "created_at")
    list_filter = ("status",)
    search_fields = ("public_id", "url", "application__name")
    exclude = ("secret", "previous_secret")  # staff never need to read a partner's signing secret


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "endpoint", "event_type", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status", "event_type")
    search_fields = ("public_id", "event_id", "endpoint__url")
    inlines = [WebhookAttemptInline]
