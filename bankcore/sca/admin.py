from django.contrib import admin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.sca.models import Challenge


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "action", "status", "created_at", "expires_at", "approved_at")
    list_filter = ("status", "action")
    search_fields = ("user__email", "details_hash")
    readonly_fields = [f.name for f in Challenge._meta.fields]
