from django.contrib import admin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.events.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "created_at", "processed_at", "attempts")
    list_filter = ("name",)
    search_fields = ("event_id", "name")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
