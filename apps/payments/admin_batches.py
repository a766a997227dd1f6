"""Back office of bulk payouts: every batch and every line, read-only (only the services write them)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from apps.payments.models import PaymentBatch, PaymentBatchLine
from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.money import Money


@admin.register(PaymentBatch)
class PaymentBatchAdmin(ReadOnlyMixin, admin.ModelAdmin[PaymentBatch]):
    list_display = ("id", "customer", "status", "source_format", "line_count", "paid_count", "held_count",
                    "failed_count", "total", "vop_opted_out", "created_at")  # fmt: skip
    list_filter = ("status", "source_format", "vop_opted_out")
    search_fields = ("=id", "customer__email", "filename", "message_id")
    readonly_fields = [f.name for f in PaymentBatch._meta.fields] + ["lines_link"]
    list_select_related = ("customer",)

    @admin.display(description="valid total")
    def total(self, batch: PaymentBatch) -> str:
        return Money(batch.valid_total_minor, batch.currency).format()

    @admin.display(description="lines")
    def lines_link(self, batch: PaymentBatch) -> str:
        url = reverse("admin:payments_paymentbatchline_changelist") + f"?batch__id__exact={batch.pk}"
        return format_html('<a href="{}">{} lines, one result each</a>', url, batch.line_count)


@admin.register(PaymentBatchLine)
class PaymentBatchLineAdmin(ReadOnlyMixin, admin.ModelAdmin[PaymentBatchLine]):
    list_display = ("batch", "line_no", "creditor_name", "creditor_iban", "amount", "status", "reason_code",
                    "vop_result", "payment_link", "payment_status")  # fmt: skip
    list_filter = ("status", "internal")
    search_fields = ("=batch__id", "creditor_iban", "creditor_name", "end_to_end_id")
    readonly_fields = [f.name for f in PaymentBatchLine._meta.fields] + ["payment_status"]
    list_select_related = ("batch", "payment")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PaymentBatchLine], search_term: str
    ) -> tuple[QuerySet[PaymentBatchLine], bool]:
        if search_term.isdigit():  # a batch's number finds its lines
            return queryset.filter(Q(batch_id=int(search_term)) | Q(payment_id=int(search_term))), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="amount")
    def amount(self, line: PaymentBatchLine) -> str:
        return (
            Money(line.amount_minor, line.currency).format()
            if line.currency and line.amount_minor
            else line.amount_text
        )

    @admin.display(description="payment")
    def payment_link(self, line: PaymentBatchLine) -> str:
        if line.payment_id is None:
            return "—"
        url = reverse("admin:payments_payment_change", args=[line.payment_id])
        return format_html('<a href="{}">payment {}</a>', url, line.payment_id)

    @admin.display(description="payment status")
    def payment_status(self, line: PaymentBatchLine) -> str:
        # Where the payment is now: a held line's case, or what settlement did after the line's result.
        return line.payment.get_status_display() if line.payment is not None else "—"
