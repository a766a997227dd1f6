"""The settlement back office: the monitor (cycles, files, counts, sums, statuses, rejected files
with their error), the exceptions queue, the suspense queue with resolve / return, manual returns,
and on the embedded default a button that runs a whole clearing round.

Thin: every action calls one service of ``clearing_backoffice`` or ``clearing_tick``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.payments import clearing_backoffice, clearing_tick
from apps.payments.models.settlement import (
    ClearingException,
    ClearingFile,
    IncomingCredit,
    IncomingStatus,
    SettlementCycle,
)
from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.errors import DomainError
from bankcore.money import Money


def _money(minor: int, currency: str = "EUR") -> str:
    return Money(minor, currency).format()


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.pk}"


def tick_allowed() -> bool:
    """The whole-round button exists only where the simulator may run (never in production)."""
    return bool(getattr(settings, "SIMULATORS_MOUNTED", False))


class FileInline(ReadOnlyMixin, admin.TabularInline[ClearingFile, SettlementCycle]):
    model = ClearingFile
    fields = ("msg_id", "kind", "status", "instant", "tx_count", "total", "written_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description="total")
    def total(self, obj: ClearingFile) -> str:
        return _money(obj.total_minor, obj.currency)


@admin.register(SettlementCycle)
class SettlementCycleAdmin(ReadOnlyMixin, admin.ModelAdmin[SettlementCycle]):
    list_display = (
        "id",
        "at",
        "settlement_date",
        "payment_count",
        "total",
        "files",
        "submitted",
        "settled",
        "rejected",
        "returned",
    )
    date_hierarchy = "at"
    inlines = [FileInline]
    change_list_template = "admin/payments/settlementcycle/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SettlementCycle]:
        status = "files__submissions__payment__status"
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_files=Count("files", distinct=True),
                n_submitted=Count("files__submissions", filter=Q(**{status: "submitted"})),
                n_settled=Count("files__submissions", filter=Q(**{status: "settled"})),
                n_rejected=Count("files__submissions", filter=Q(**{status: "rejected"})),
                n_returned=Count("files__submissions", filter=Q(**{status: "returned"})),
            )
        )

    @admin.display(description="total")
    def total(self, obj: SettlementCycle) -> str:
        return _money(obj.total_minor)

    @admin.display(description="files")
    def files(self, obj: Any) -> int:
        return int(obj.n_files)

    @admin.display(description="waiting")
    def submitted(self, obj: Any) -> int:
        return int(obj.n_submitted)

    @admin.display(description="settled")
    def settled(self, obj: Any) -> int:
        return int(obj.n_settled)

    @admin.display(description="rejected")
    def rejected(self, obj: Any) -> int:
        return int(obj.n_rejected)

    @admin.display(description="returned")
    def returned(self, obj: Any) -> int:
        return int(obj.n_returned)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "tick_allowed": tick_allowed() and self._may_tick(request)}
        return super().changelist_view(request, extra_context=context)

    def get_urls(self) -> list[URLPattern]:
        tick = path("tick/", self.admin_site.admin_view(self.tick_view), name="payments_settlement_tick")
        return [tick, *super().get_urls()]

    def _may_tick(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("payments.change_payment"))

    def tick_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not tick_allowed() or not self._may_tick(request):
            raise PermissionDenied
        result = clearing_tick.clearing_tick_run(now=timezone.now())
        for line in result.lines():
            self.message_user(request, line, messages.INFO)
        return HttpResponseRedirect(reverse("admin:payments_settlementcycle_changelist"))


@admin.register(ClearingFile)
class ClearingFileAdmin(ReadOnlyMixin, admin.ModelAdmin[ClearingFile]):
    list_display = (
        "created_at",
        "direction",
        "kind",
        "msg_id",
        "name",
        "status",
        "instant",
        "tx_count",
        "total",
        "duplicates",
    )
    list_filter = ("direction", "status", "kind", "instant")
    search_fields = ("msg_id", "name")
    readonly_fields = (
        "direction", "kind", "msg_id", "name", "status", "cycle", "instant", "settlement_date", "tx_count", "total",
        "created_at", "written_at", "processed_at", "sha256", "duplicates", "error_text", "content",
    )  # fmt: skip
    fields = readonly_fields

    @admin.display(description="total")
    def total(self, obj: ClearingFile) -> str:
        return _money(obj.total_minor, obj.currency)

    @admin.display(description="error")
    def error_text(self, obj: ClearingFile) -> str:
        return format_html("<pre>{}</pre>", obj.error) if obj.error else "—"

    @admin.display(description="file")
    def content(self, obj: ClearingFile) -> str:
        text = clearing_backoffice.file_content(file_id=obj.pk)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", text) if text else "(not on disk here)"


class NoteForm(ActionForm):
    note = forms.CharField(required=False, max_length=500, label="Note")


@admin.register(ClearingException)
class ClearingExceptionAdmin(ReadOnlyMixin, admin.ModelAdmin[ClearingException]):
    list_display = (
        "created_at",
        "kind",
        "payment",
        "reported_status",
        "reason_code",
        "detail",
        "resolved_at",
        "resolved_by",
    )
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("payment__tx_id", "file__msg_id")
    readonly_fields = (
        "kind", "payment", "file", "reported_status", "reason_code", "detail", "created_at", "resolved_at",
        "resolved_by", "resolution",
    )  # fmt: skip
    action_form = NoteForm
    actions = ["resolve"]

    @admin.action(description="Mark resolved (with the note)", permissions=["resolve"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[ClearingException]) -> None:
        note = str(request.POST.get("note", ""))
        for exception_id in queryset.values_list("id", flat=True):
            try:
                clearing_backoffice.exception_resolve(
                    exception_id=exception_id, actor=_actor(request), note=note, now=timezone.now()
                )
            except DomainError as error:
                self.message_user(request, f"exception {exception_id}: {error}", messages.ERROR)
                return
        self.message_user(request, "resolved", messages.SUCCESS)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("payments.change_payment"))


class IncomingForm(ActionForm):
    iban = forms.CharField(required=False, max_length=42, label="IBAN to credit")
    reason_code = forms.CharField(required=False, max_length=4, label="Return code", initial="AC01")


class SuspenseFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("suspense", "Suspense (needs staff)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[IncomingCredit]) -> QuerySet[IncomingCredit]:
        return queryset.filter(status=IncomingStatus.SUSPENSE) if self.value() == "suspense" else queryset


@admin.register(IncomingCredit)
class IncomingCreditAdmin(ReadOnlyMixin, admin.ModelAdmin[IncomingCredit]):
    list_display = (
        "received_at",
        "status",
        "amount",
        "debtor_name",
        "creditor_iban",
        "creditor_name",
        "reason_code",
        "account_id",
    )
    list_filter = (SuspenseFilter, "status")
    search_fields = ("creditor_iban", "debtor_name", "tx_id", "msg_id")
    readonly_fields = (
        "file", "msg_id", "tx_id", "end_to_end_id", "amount", "settlement_date", "debtor_name", "debtor_iban",
        "debtor_bic", "creditor_name", "creditor_iban", "reference", "status", "account_id", "customer_id", "entry",
        "return_file", "reason_code", "received_at", "resolved_at", "resolved_by",
    )  # fmt: skip
    fields = readonly_fields
    action_form = IncomingForm
    actions = ["credit_to_iban", "return_to_payer"]

    @admin.display(description="amount")
    def amount(self, obj: IncomingCredit) -> str:
        return _money(obj.amount_minor, obj.currency)

    @admin.action(description="Credit to the IBAN given (suspense)", permissions=["work"])
    def credit_to_iban(self, request: HttpRequest, queryset: QuerySet[IncomingCredit]) -> None:
        iban = str(request.POST.get("iban", "")).strip()
        for credit_id in queryset.values_list("id", flat=True):
            try:
                clearing_backoffice.suspense_resolve(
                    incoming_id=credit_id, iban=iban, actor=_actor(request), now=timezone.now()
                )
            except DomainError as error:
                self.message_user(request, f"incoming {credit_id}: {error}", messages.ERROR)
                return
        self.message_user(request, "credited", messages.SUCCESS)

    @admin.action(description="Return to the payer's bank with the code given", permissions=["work"])
    def return_to_payer(self, request: HttpRequest, queryset: QuerySet[IncomingCredit]) -> None:
        code = str(request.POST.get("reason_code", "")).strip() or "AC01"
        for credit_id in queryset.values_list("id", flat=True):
            try:
                msg_id = clearing_backoffice.incoming_return(
                    incoming_id=credit_id, reason_code=code, actor=_actor(request), now=timezone.now()
                )
            except DomainError as error:
                self.message_user(request, f"incoming {credit_id}: {error}", messages.ERROR)
                return
            self.message_user(request, f"incoming {credit_id} returned {code} in {msg_id}", messages.SUCCESS)

    def has_work_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("payments.change_payment"))
