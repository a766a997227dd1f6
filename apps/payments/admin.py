"""Back office for payments: search, the held-for-review queue linked to fraud cases, each
payment's timeline, beneficiaries and standing orders.

Thin and read-only: payments change only through their services. The one action (cancel) calls
``payment_cancel`` and shows a refusal as a message. Settlement's monitor lives beside this in
``admin_settlement.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.payments import admin_batches, admin_settlement  # noqa: F401  (they register themselves)
from apps.payments.models import Beneficiary, HeldPayment, Payment, PaymentEvent, StandingOrder
from apps.payments.services import cancel
from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.errors import DomainError
from bankcore.money import Money


class PaymentEventInline(ReadOnlyMixin, admin.TabularInline[PaymentEvent, Payment]):
    model = PaymentEvent
    extra = 0
    fields = ("at", "from_status", "to_status", "actor", "reason", "reason_code")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name = "timeline line"
    verbose_name_plural = "timeline"


def _case_link(payment: Payment) -> str:
    if payment.fraud_alert_id is None:
        return "—"
    try:
        url = reverse("admin:fraud_alert_change", args=[payment.fraud_alert_id])
    except NoReverseMatch:
        return f"case {payment.fraud_alert_id}"
    return format_html('<a href="{}">case {}</a>', url, payment.fraud_alert_id)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("tx_id", "created_at", "customer", "amount", "creditor_name", "kind", "status", "reason_code")
    list_filter = ("status", "kind", "channel", "vop_result", "execution_date")
    search_fields = ("=tx_id", "end_to_end_id", "creditor_iban", "creditor_name", "debtor_iban", "customer__email")
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    inlines = [PaymentEventInline]
    actions = ["cancel_payments"]
    readonly_fields = ("amount", "fraud_case")
    exclude = ("request_fingerprint",)

    @admin.display(description="amount")
    def amount(self, payment: Payment) -> str:
        return Money(payment.amount_minor, payment.currency).format()

    @admin.display(description="fraud case")
    def fraud_case(self, payment: Payment) -> str:
        return _case_link(payment)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing needs the view permission only; the page shows everything read-only.
        return False

    @admin.action(description="Cancel (before it is submitted)")
    def cancel_payments(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        done = 0
        for payment in queryset:
            try:
                cancel.payment_cancel(
                    customer_id=payment.customer_id, payment_id=payment.pk, actor=f"staff:{request.user.pk}",
                    now=timezone.now(),
                )  # fmt: skip
                done += 1
            except DomainError as refused:
                messages.error(request, f"{payment.tx_id}: {refused}")
        if done:
            messages.success(request, f"Cancelled: {done}")


@admin.register(HeldPayment)
class HeldPaymentAdmin(ReadOnlyMixin, admin.ModelAdmin[HeldPayment]):
    """Payments waiting for their fraud case: the case's outcome is the only thing that moves them."""

    list_display = ("tx_id", "updated_at", "customer", "amount", "creditor_name", "kind", "fraud_case", "reason")
    search_fields = ("=tx_id", "creditor_name", "creditor_iban", "customer__email")
    list_select_related = ("customer",)
    inlines = [PaymentEventInline]
    readonly_fields = ("amount", "fraud_case")
    exclude = ("request_fingerprint",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[HeldPayment]:
        return super().get_queryset(request).filter(status="held_for_review").order_by("updated_at", "id")

    @admin.display(description="amount")
    def amount(self, payment: Payment) -> str:
        return Money(payment.amount_minor, payment.currency).format()

    @admin.display(description="fraud case")
    def fraud_case(self, payment: Payment) -> str:
        return _case_link(payment)


@admin.register(Beneficiary)
class BeneficiaryAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("name", "nickname", "iban", "bic", "customer", "trusted", "status", "created_at")
    list_filter = ("status", "trusted")
    search_fields = ("name", "iban", "customer__email")
    list_select_related = ("customer",)


@admin.register(StandingOrder)
class StandingOrderAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("id", "customer", "beneficiary", "amount", "frequency", "status", "next_date", "made_count")
    list_filter = ("status", "frequency")
    search_fields = ("customer__email", "beneficiary__name", "beneficiary__iban")
    list_select_related = ("customer", "beneficiary")

    @admin.display(description="amount")
    def amount(self, order: StandingOrder) -> str:
        return Money(order.amount_minor, order.currency).format()
