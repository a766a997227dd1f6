"""wallets: the back office (thin: each action calls one service).

Wallet search (by e-mail, name, phone or id), freeze and unfreeze with a reason, top-up disputes
(a refund is a reversing entry of the capture, requested here and approved by a second person in
``bankcore.approvals``) and chargeback recoveries (a write-off, maker-checker too).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from apps.wallets import selectors
from apps.wallets.errors import WalletRefused
from apps.wallets.models import FxQuote, MoneyRequest, Recovery, TopUp, Wallet, WalletTransfer
from apps.wallets.services import recovery, topups, wallets
from bankcore.admin_mixins import ReadOnlyMixin
from bankcore.approvals import services as approvals


def _ask_approval(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, *, action: str, payload: dict[str, Any], reason: str,
    what: str,
) -> None:  # fmt: skip
    """Ask a second person to approve ``action`` (maker-checker); say what happened on the page."""
    try:
        approvals.approval_request(
            action=action, payload=payload, maker_id=int(request.user.pk), reason=reason, now=timezone.now(),  # type: ignore[arg-type]
        )  # fmt: skip
    except approvals.ApprovalRefused as refused:
        model_admin.message_user(request, f"{what}: {refused}", messages.ERROR)
    else:
        model_admin.message_user(request, f"{what} waits for approval.")


class _ReadOnlyHistory(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]
    pass


@admin.register(Wallet)
class WalletAdmin(_ReadOnlyHistory):
    list_display = ("id", "customer", "currency", "status", "balance", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("customer__email",)
    actions = ["freeze", "unfreeze"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Wallet], search_term: str
    ) -> tuple[QuerySet[Wallet], bool]:
        if not search_term:
            return queryset, False
        return queryset & selectors.wallet_search(text=search_term.strip()), False

    @admin.display(description="Balance")
    def balance(self, obj: Wallet) -> str:
        return selectors.wallet_view(obj).balance.format()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The list's actions need it; no field is editable (every field is read-only below).
        return bool(request.user.has_perm("wallets.change_wallet"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Wallet._meta.fields]

    def _set(self, request: HttpRequest, queryset: QuerySet[Wallet], status: str) -> None:
        done = 0
        for wallet in queryset:
            try:
                wallets.wallet_status_set(
                    wallet_id=wallet.pk, status=status, reason=f"back office: {request.user}", now=timezone.now()
                )
                done += 1
            except WalletRefused as refused:
                self.message_user(request, f"Wallet {wallet.pk}: {refused}", messages.ERROR)
        self.message_user(request, f"{done} wallet(s) now {status}.")

    @admin.action(description="Freeze the selected wallets", permissions=["change"])
    def freeze(self, request: HttpRequest, queryset: QuerySet[Wallet]) -> None:
        self._set(request, queryset, Wallet.Status.FROZEN)

    @admin.action(description="Unfreeze the selected wallets", permissions=["change"])
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[Wallet]) -> None:
        self._set(request, queryset, Wallet.Status.ACTIVE)


@admin.register(TopUp)
class TopUpAdmin(_ReadOnlyHistory):
    list_display = (
        "id",
        "customer",
        "wallet",
        "amount_minor",
        "currency",
        "status",
        "card_brand",
        "card_last4",
        "created_at",
    )
    list_filter = ("status", "currency")
    search_fields = ("customer__email", "intent_id")
    actions = ["request_refund"]

    @admin.action(description="Request a refund (a second person approves)")
    def request_refund(self, request: HttpRequest, queryset: QuerySet[TopUp]) -> None:
        for topup in queryset:
            _ask_approval(
                self, request, action=topups.REFUND_ACTION, payload={"topup_id": topup.pk},
                reason=f"disputed top-up {topup.pk}", what=f"Refund of top-up {topup.pk}",
            )  # fmt: skip


@admin.register(Recovery)
class RecoveryAdmin(_ReadOnlyHistory):
    list_display = ("id", "wallet", "owed_minor", "currency", "status", "created_at", "closed_at")
    list_filter = ("status",)
    actions = ["request_write_off"]

    @admin.action(description="Request a write-off to chargeback losses (a second person approves)")
    def request_write_off(self, request: HttpRequest, queryset: QuerySet[Recovery]) -> None:
        for item in queryset.filter(status=Recovery.Status.OPEN):
            _ask_approval(
                self, request, action=recovery.WRITE_OFF_ACTION, payload={"recovery_id": item.pk},
                reason=f"unrecoverable chargeback, recovery {item.pk}", what=f"Write-off of recovery {item.pk}",
            )  # fmt: skip


@admin.register(WalletTransfer)
class WalletTransferAdmin(_ReadOnlyHistory):
    list_display = (
        "id",
        "sender",
        "recipient",
        "amount_minor",
        "currency",
        "status",
        "sca_exemption",
        "fraud_outcome",
        "created_at",
    )
    list_filter = ("status", "currency", "fraud_outcome")
    search_fields = ("sender__email", "recipient__email", "address")


@admin.register(MoneyRequest)
class MoneyRequestAdmin(_ReadOnlyHistory):
    list_display = ("id", "requester", "address", "amount_minor", "currency", "status", "expires_at")
    list_filter = ("status",)


@admin.register(FxQuote)
class FxQuoteAdmin(_ReadOnlyHistory):
    list_display = (
        "id",
        "customer",
        "sell_minor",
        "sell_currency",
        "buy_minor",
        "buy_currency",
        "rate",
        "status",
        "created_at",
    )
    list_filter = ("status",)
