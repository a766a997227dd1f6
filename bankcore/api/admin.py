"""Back office for partners: their lifecycle (thin doors onto ``bankcore.api.partners``), consents read-only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.api import partners
from bankcore.api.admin_forms import ActingForForm, PartnerCreateForm, ReasonForm, ScopesForm
from bankcore.api.models import (
    Consent,
    PartnerAction,
    PartnerGrant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from bankcore.errors import DomainError

CREDENTIALS_PERMISSION = "api.manage_partnergrant"
CHANGE_PERMISSION = "api.change_partnergrant"


@dataclass(frozen=True)
class PartnerOperation:
    title: str
    permission: str
    form: type[forms.Form]
    # (grant, cleaned data, actor id) → what to tell staff; raises DomainError when refused.
    run: Callable[[PartnerGrant, dict[str, Any], int], str]
    shows_secret: bool = False


def _suspend(grant: PartnerGrant, data: dict[str, Any], actor_id: int) -> str:
    revoked = partners.partner_suspend(grant_id=grant.pk, actor_id=actor_id, reason=data["reason"], now=timezone.now())
    return f"Suspended: no token is issued or accepted; {revoked} token(s) revoked."


def _unsuspend(grant: PartnerGrant, data: dict[str, Any], actor_id: int) -> str:
    partners.partner_unsuspend(grant_id=grant.pk, actor_id=actor_id, reason=data["reason"], now=timezone.now())
    return "Active again: the partner may get tokens with its current secret."


def _revoke(grant: PartnerGrant, data: dict[str, Any], actor_id: int) -> str:
    revoked = partners.partner_credentials_revoke(
        grant_id=grant.pk, actor_id=actor_id, reason=data["reason"], now=timezone.now()
    )
    return f"Credentials revoked: the secret no longer works; {revoked} token(s) revoked."


def _scopes(grant: PartnerGrant, data: dict[str, Any], actor_id: int) -> str:
    revoked = partners.partner_scopes_set(
        grant_id=grant.pk, scopes=data["scopes"], actor_id=actor_id, reason=data["reason"], now=timezone.now()
    )
    return f"Scopes set; {revoked} token(s) carrying a removed scope revoked."


def _acting_for(grant: PartnerGrant, data: dict[str, Any], actor_id: int) -> str:
    partners.partner_acting_for_change(
        grant_id=grant.pk, customer_id=data["acting_for"], actor_id=actor_id, reason=data["reason"], now=timezone.now()
    )
    return "The business customer the partner acts for is set."


OPERATIONS: dict[str, PartnerOperation] = {
    "credentials": PartnerOperation(
        "Issue new credentials", CREDENTIALS_PERMISSION, ReasonForm, lambda g, d, a: "", shows_secret=True
    ),
    "revoke": PartnerOperation("Revoke credentials", CREDENTIALS_PERMISSION, ReasonForm, _revoke),
    "suspend": PartnerOperation("Suspend", CREDENTIALS_PERMISSION, ReasonForm, _suspend),
    "unsuspend": PartnerOperation("Unsuspend", CREDENTIALS_PERMISSION, ReasonForm, _unsuspend),
    "scopes": PartnerOperation("Set scopes", CHANGE_PERMISSION, ScopesForm, _scopes),
    "acting-for": PartnerOperation("Set whom it acts for", CHANGE_PERMISSION, ActingForForm, _acting_for),
}


class PartnerActionInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = PartnerAction
    fields = ("at", "action", "actor", "reason", "details")
    readonly_fields = fields
    extra = 0
    verbose_name_plural = "Log (who, when, why)"


@admin.register(PartnerGrant)
class PartnerGrantAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library base
    """Partner organisations: every change is one of ``OPERATIONS``, with a reason, through one service."""

    list_display = ("name", "client_id", "status", "credentials", "scopes", "acting_for", "created_at")
    list_filter = ("status",)
    search_fields = ("application__name", "application__client_id", "acting_for__email", "contact_email")
    fields = (
        "name",
        "client_id",
        "status",
        "credentials",
        "scopes",
        "acting_for",
        "contact_email",
        "created_at",
        "manage",
    )
    readonly_fields = fields
    inlines = [PartnerActionInline]

    @admin.display(description="Name", ordering="application__name")
    def name(self, grant: PartnerGrant) -> str:
        return str(grant.application.name)

    @admin.display(description="Client id")
    def client_id(self, grant: PartnerGrant) -> str:
        return str(grant.application.client_id)

    @admin.display(description="Credentials")
    def credentials(self, grant: PartnerGrant) -> str:
        if grant.credentials_issued_at is not None:
            return f"issued {grant.credentials_issued_at:%Y-%m-%d %H:%M}"
        if grant.credentials_revoked_at is not None:
            return f"revoked {grant.credentials_revoked_at:%Y-%m-%d %H:%M}"
        return "none issued"

    @admin.display(description="Manage")
    def manage(self, grant: PartnerGrant) -> str:
        wanted = ["credentials", "revoke", "unsuspend" if grant.status == grant.Status.SUSPENDED else "suspend"]
        wanted += ["scopes", "acting-for"]
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            ((reverse("admin:api_partnergrant_operation", args=[grant.pk, op]), OPERATIONS[op].title) for op in wanted),
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("api.add_partnergrant"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the page is read-only: every change is an operation with a reason

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [
            path("<int:grant_id>/do/<slug:operation>/", view(self.operation_view), name="api_partnergrant_operation"),
        ]
        inherited: list[URLPattern] = super().get_urls()
        return own + inherited

    def _page(
        self, request: HttpRequest, title: str, form: forms.Form, grant: PartnerGrant | None, submit: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "submit": submit,
            "form": form,
            "grant": grant,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/api/partner_form.html", context)

    def _credentials_page(
        self, request: HttpRequest, grant_id: int, credentials: partners.PartnerCredentials
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Partner credentials",
            "credentials": credentials,
            "grant_url": reverse("admin:api_partnergrant_change", args=[grant_id]),
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/api/partner_credentials.html", context)
        add_never_cache_headers(response)  # shown once: no copy in any cache
        return response

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PartnerCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                grant_id, _ = partners.partner_register(
                    name=data["name"],
                    scopes=data["scopes"],
                    contact_email=data["contact_email"],
                    acting_for_id=data["acting_for"],
                    actor_id=int(request.user.pk),  # type: ignore[arg-type]
                    reason=data["reason"],
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Partner created. It has no usable secret until you issue credentials.")
                return HttpResponseRedirect(reverse("admin:api_partnergrant_change", args=[grant_id]))
        return self._page(request, "Add a partner", form, None, "Create the partner")

    def operation_view(self, request: HttpRequest, grant_id: int, operation: str) -> HttpResponse:
        op = OPERATIONS.get(operation)
        if op is None:
            raise Http404("no such operation")
        if not request.user.has_perm(op.permission):
            raise PermissionDenied
        grant = PartnerGrant.objects.select_related("application").filter(pk=grant_id).first()
        if grant is None:
            raise Http404("no such partner")
        initial = {"scopes": grant.scope_list, "acting_for": grant.acting_for.email if grant.acting_for else ""}
        form = op.form(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            actor_id = int(request.user.pk)  # type: ignore[arg-type]
            try:
                if op.shows_secret:
                    credentials = partners.partner_credentials_issue(
                        grant_id=grant.pk, actor_id=actor_id, reason=form.cleaned_data["reason"], now=timezone.now()
                    )
                    return self._credentials_page(request, grant.pk, credentials)
                done = op.run(grant, form.cleaned_data, actor_id)
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("admin:api_partnergrant_change", args=[grant.pk]))
        return self._page(request, f"{op.title}: {grant.application.name}", form, grant, op.title)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped library base
    list_display = (
        "public_id",
        "application",
        "customer",
        "kind",
        "status",
        "approved_by",
        "valid_until",
        "created_at",
    )
    list_filter = ("kind", "status", "approved_by")
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
    exclude = ("secret_encrypted", "previous_secret_encrypted")  # staff never need a partner's signing secret


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("public_id", "endpoint", "event_type", "status", "attempts", "last_status_code", "next_attempt_at")
    list_filter = ("status", "event_type")
    search_fields = ("public_id", "event_id", "endpoint__url")
    inlines = [WebhookAttemptInline]
