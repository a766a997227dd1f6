"""Back office: customers' notifications, read-only (only the customer marks them read)."""

from __future__ import annotations

from django.contrib import admin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "customer", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("customer__email", "title")
    ordering = ("-created_at",)
