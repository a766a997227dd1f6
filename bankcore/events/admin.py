from django.contrib import admin

from bankcore.events.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin[OutboxEvent]):
    list_display = ("id", "name", "created_at", "processed_at", "attempts")
    list_filter = ("name",)
    search_fields = ("event_id", "name")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
