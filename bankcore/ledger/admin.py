"""Back office for the ledger: everything is read-only; money moves only through the services.

A reversal is the one correction staff can make, through an action that asks for the reason
and calls ``entry_reverse`` (the reason is stored on the reversing entry).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from bankcore.admin_mixins import ReadOnlyAdmin
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, Hold, LedgerAccount, Posting
from bankcore.money import Money


def amount_candidates(term: str) -> list[int]:
    """Minor-unit values a typed amount may mean ("12.50" is 1250 cents or 12500 fils), both signs."""
    try:
        value = Decimal(term.replace(",", ""))
    except InvalidOperation:
        return []
    if not value.is_finite():
        return []
    found = set()
    for exponent in (0, 2, 3):
        minor = value.scaleb(exponent)
        if minor == minor.to_integral_value() and abs(minor) < 2**63:
            found.update({int(minor), -int(minor)})
    found.discard(0)
    return sorted(found)


def id_candidate(term: str) -> int | None:
    """The row id a typed term may mean: ASCII digits within BIGINT (``"²".isdigit()`` is true)."""
    if term.isascii() and term.isdigit() and int(term) < 2**63:
        return int(term)
    return None


class PostingInline(admin.TabularInline[Posting, Entry]):
    model = Posting
    fields = ("id", "account", "amount_minor", "currency", "balance_after_minor", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReverseForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500, strip=True)


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "idempotency_key", "kind", "description", "reverses", "created_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "description", "postings__account__name")
    readonly_fields = [f.name for f in Entry._meta.fields]
    inlines = [PostingInline]
    actions = ["reverse_entries"]
    date_hierarchy = "created_at"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Entry], search_term: str
    ) -> tuple[QuerySet[Entry], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        extra = Q()
        row_id = id_candidate(term)
        if row_id is not None:
            extra |= Q(postings__account_id=row_id) | Q(pk=row_id)
        candidates = amount_candidates(term)
        if candidates:
            extra |= Q(postings__amount_minor__in=candidates)
        if extra:
            results = (results | queryset.filter(extra)).distinct()
            may_have_duplicates = False
        return results, may_have_duplicates

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("ledger.reverse_entry"))

    @admin.action(description="Reverse the selected entries…", permissions=["reverse"])
    def reverse_entries(self, request: HttpRequest, queryset: QuerySet[Entry]) -> TemplateResponse | None:
        form = ReverseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            for entry_id in queryset.order_by("id").values_list("id", flat=True):
                try:
                    reversal = ledger.entry_reverse(entry_id=entry_id, reason=reason)
                except ledger.LedgerError as refused:
                    self.message_user(
                        request, f"Entry {entry_id} not reversed: {refused} ({refused.code})", messages.ERROR
                    )
                else:
                    self.message_user(request, f"Entry {entry_id} reversed by entry {reversal}.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "admin/ledger/entry/reverse.html",
            {
                **self.admin_site.each_context(request),
                "title": "Reverse entries",
                "opts": self.model._meta,
                "entries": queryset.order_by("id"),
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "account", "amount_minor", "currency", "balance_after_minor", "created_at")
    list_filter = ("currency",)
    search_fields = ("entry__idempotency_key", "account__name")
    readonly_fields = [f.name for f in Posting._meta.fields]
    list_select_related = ("entry", "account")
    show_full_result_count = False  # COUNT(*) over millions of postings on every page is waste

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Posting], search_term: str
    ) -> tuple[QuerySet[Posting], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        extra = Q()
        row_id = id_candidate(term)
        if row_id is not None:
            extra |= Q(account_id=row_id) | Q(entry_id=row_id)
        candidates = amount_candidates(term)
        if candidates:
            extra |= Q(amount_minor__in=candidates)
        if extra:
            results = results | queryset.filter(extra)
        return results, may_have_duplicates


@admin.register(LedgerAccount)
class LedgerAccountAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("id", "name", "currency", "kind", "status", "balance", "available")
    list_filter = ("kind", "status", "currency")
    search_fields = ("name",)
    readonly_fields = [f.name for f in LedgerAccount._meta.fields]
    actions = ["freeze", "unfreeze"]

    @admin.display(description="balance")
    def balance(self, account: LedgerAccount) -> str:
        return Money(account.balance_minor, account.currency).format()

    @admin.display(description="available")
    def available(self, account: LedgerAccount) -> str:
        return Money(account.balance_minor - account.held_minor, account.currency).format()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts are opened by the apps that own them, through the service

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet[LedgerAccount], verb: str, service: Any) -> None:
        for account_id in queryset.values_list("id", flat=True):
            try:
                service(account_id=account_id)
            except ledger.LedgerError as refused:
                self.message_user(request, f"Account {account_id} not {verb}: {refused}", messages.ERROR)
            else:
                self.message_user(request, f"Account {account_id} {verb}.", messages.SUCCESS)

    @admin.action(description="Freeze the selected accounts", permissions=["change"])
    def freeze(self, request: HttpRequest, queryset: QuerySet[LedgerAccount]) -> None:
        self._each(request, queryset, "frozen", ledger.account_freeze)

    @admin.action(description="Unfreeze the selected accounts", permissions=["change"])
    def unfreeze(self, request: HttpRequest, queryset: QuerySet[LedgerAccount]) -> None:
        self._each(request, queryset, "unfrozen", ledger.account_unfreeze)


@admin.register(Hold)
class HoldAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("id", "account", "amount_minor", "currency", "status", "expires_at", "capture_entry")
    list_filter = ("status", "currency")
    search_fields = ("idempotency_key", "account__name")
    readonly_fields = [f.name for f in Hold._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
