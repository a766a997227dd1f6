from django.contrib import admin
from django.http import HttpRequest

from bankcore.sca.models import Challenge


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin[Challenge]):
    list_display = ("id", "user", "action", "status", "created_at", "expires_at", "approved_at")
    list_filter = ("status", "action")
    search_fields = ("user__email", "details_hash")
    readonly_fields = [f.name for f in Challenge._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Challenge | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Challenge | None = None) -> bool:
        return False
