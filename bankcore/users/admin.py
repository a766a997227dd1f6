from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.users.models import AuditEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The security audit log: read-only for everyone, the auditor role included."""

    list_display = ("at", "kind", "email", "user", "ip_address")
    list_filter = ("kind",)
    search_fields = ("email", "ip_address")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
