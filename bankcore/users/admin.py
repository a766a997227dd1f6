from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.users import services
from bankcore.users.models import AuditEvent, EnrolmentToken, User


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
    actions = ("issue_enrolment_token",)

    def has_enrol_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(services.ENROLMENT_PERMISSION)

    @admin.action(description="Issue a second-factor enrolment token (one staff member)", permissions=["enrol"])
    def issue_enrolment_token(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one staff member.", messages.ERROR)
            return None
        target = queryset.get()
        assert request.user.pk is not None  # the admin serves signed-in staff only
        try:
            token = services.enrolment_token_issue(user_id=target.pk, issued_by_id=request.user.pk, now=timezone.now())
        except services.SecondFactorRefused as refused:
            self.message_user(request, f"{target.email}: {refused}", messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Enrolment token",
            "target": target,
            "token": token,
            "ttl_hours": int(services.ENROLMENT_TOKEN_TTL.total_seconds() // 3600),
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/users/enrolment_token.html", context)
        add_never_cache_headers(response)  # shown once: no copy in any cache
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The security audit log: read-only for everyone, the auditor role included."""

    list_display = ("at", "kind", "email", "user", "ip_address")
    list_filter = ("kind",)
    search_fields = ("email", "ip_address")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(EnrolmentToken)
class EnrolmentTokenAdmin(ReadOnlyAdmin):
    """Who was given an enrolment token, by whom, and whether it was used; the token itself is never kept."""

    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    search_fields = ("user__email",)
    fields = ("user", "issued_by", "created_at", "expires_at", "used_at")
    readonly_fields = fields


# Second-factor devices: staff see whose they are and may revoke a lost one, never the secrets.
# django-otp's own admins show the TOTP key (and its QR code) and the backup codes.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class DeviceAdmin(admin.ModelAdmin[Any]):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__email", "name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # devices are enrolled by their owner, with a token for staff: no key typed in here

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)
