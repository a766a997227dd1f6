from django.contrib import admin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.sca.models import Challenge, ExemptionCounter, ExemptionUse


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "action", "status", "created_at", "expires_at", "approved_at")
    list_filter = ("status", "action")
    search_fields = ("user__email", "details_hash")
    readonly_fields = [f.name for f in Challenge._meta.fields]


@admin.register(ExemptionUse)
class ExemptionUseAdmin(ReadOnlyAdmin):
    """Every payment made without SCA and the exemption it relied on (RTS art. 21's record)."""

    list_display = ("ref", "payer", "exemption", "amount_minor", "currency", "amount_eur_minor", "applied_at")
    list_filter = ("exemption",)
    search_fields = ("ref", "payer__email")
    readonly_fields = [f.name for f in ExemptionUse._meta.fields]


@admin.register(ExemptionCounter)
class ExemptionCounterAdmin(ReadOnlyAdmin):
    list_display = ("payer", "exempt_count", "exempt_eur_minor", "last_sca_at", "updated_at")
    search_fields = ("payer__email",)
    readonly_fields = [f.name for f in ExemptionCounter._meta.fields]
