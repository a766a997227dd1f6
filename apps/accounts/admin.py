"""Back office for accounts: products (edited with history), rates from a date, accounts and their actions.

Thin: every action calls one service (the same the rules live in); a refusal is a message on the
form, never a 500. Blocks act at once (``accounts.block_account``); closing and overdrafts are
requests someone else approves in *Approval requests* (``accounts.manage_account`` to ask).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts import selectors
from apps.accounts.admin_forms import CloseForm, OverdraftForm, ProductForm, RateForm, StatusForm
from apps.accounts.models import Account, AccountStatusChange, Product, ProductRate, ProductRateTier
from apps.accounts.services import products, statuses
from bankcore.admin_mixins import ReadOnlyAdmin, ReadOnlyMixin
from bankcore.errors import DomainError


class RateInline(ReadOnlyMixin, admin.TabularInline[ProductRate, Product]):
    model = ProductRate
    fields = ("effective_from", "debit_annual_rate", "tier_list")
    readonly_fields = fields
    extra = 0
    ordering = ("-effective_from",)

    @admin.display(description="credit tiers")
    def tier_list(self, rate: ProductRate) -> str:
        return ", ".join(f"from {t.from_balance_minor}: {t.annual_rate}" for t in rate.tiers.all())


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    form = ProductForm
    list_display = ("code", "name", "kind", "currencies", "overdraft_allowed", "max_accounts_per_customer",
                    "min_kyc_tier", "monthly_fee_minor", "is_open_for_new_accounts")  # fmt: skip
    list_filter = ("kind", "is_open_for_new_accounts")
    inlines = [RateInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # accounts refer to it: withdraw it (is_open_for_new_accounts) instead

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code", "created_at") if obj is not None else ("created_at",)


@admin.register(ProductRate)
class ProductRateAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    """Rates are never edited: a change is a new row from a date (``product_rate_set``)."""

    list_display = ("product", "effective_from", "debit_annual_rate", "created_at")
    list_filter = ("product",)
    change_list_template = "accounts/admin/rate_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        own = [path("new/", self.admin_site.admin_view(self.rate_new), name="accounts_productrate_new")]
        inherited: list[URLPattern] = super().get_urls()
        return own + inherited

    def rate_new(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("accounts.change_product"):
            raise PermissionDenied
        form = RateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                products.product_rate_set(
                    product_id=form.cleaned_data["product"].pk,
                    effective_from=form.cleaned_data["effective_from"],
                    credit_tiers=form.cleaned_data["credit_tiers"],
                    debit_annual_rate=form.cleaned_data["debit_annual_rate"],
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "The new rates are set.")
                return HttpResponseRedirect(reverse("admin:accounts_productrate_changelist"))
        context = {**self.admin_site.each_context(request), "title": "New rates from a date", "form": form}
        return render(request, "accounts/admin/form.html", context)


@admin.register(ProductRateTier)
class ProductRateTierAdmin(ReadOnlyAdmin):
    list_display = ("rate", "from_balance_minor", "annual_rate")


class StatusChangeInline(ReadOnlyMixin, admin.TabularInline[AccountStatusChange, Account]):
    model = AccountStatusChange
    fields = ("changed_at", "from_status", "to_status", "reason", "changed_by", "approval_request_id")
    readonly_fields = fields
    extra = 0


@admin.register(Account)
class AccountAdmin(ReadOnlyMixin, SimpleHistoryAdmin):  # type: ignore[misc]  # untyped base
    list_display = ("iban", "customer", "product", "currency", "status", "overdraft_limit_minor", "opened_at")
    list_filter = ("status", "product", "currency")
    search_fields = ("=iban", "customer__email", "customer__full_name", "=number")
    readonly_fields = ("customer", "product", "currency", "number", "iban", "bic", "ledger_account", "status",
                       "overdraft_limit_minor", "name", "nickname", "opened_at", "closed_at", "balances",
                       "account_actions")  # fmt: skip
    inlines = [StatusChangeInline]

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        # An IBAN is found however it is typed (spaces, lower case).
        compact = "".join(search_term.split()).upper()
        if len(compact) >= 15 and compact.isalnum() and compact[:2].isalpha() and compact[2:4].isdigit():
            return queryset.filter(iban=compact), False
        result: tuple[Any, bool] = super().get_search_results(request, queryset, search_term)
        return result

    @admin.display(description="balances")
    def balances(self, account: Account) -> str:
        summary = selectors.account_summary(account=account)
        return f"booked {summary.balance.format()} · available {summary.available.format()}"

    @admin.display(description="actions")
    def account_actions(self, account: Account) -> str:
        if account.status == "closed":
            return "—"
        return format_html(
            '<a href="{}">Block or unblock</a> · <a href="{}">Ask for an overdraft</a> · <a href="{}">Ask to close</a>',
            reverse("admin:accounts_account_status", args=[account.pk]),
            reverse("admin:accounts_account_overdraft", args=[account.pk]),
            reverse("admin:accounts_account_close", args=[account.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [
            path("<int:account_id>/status/", view(self.status_view), name="accounts_account_status"),
            path("<int:account_id>/overdraft/", view(self.overdraft_view), name="accounts_account_overdraft"),
            path("<int:account_id>/close/", view(self.close_view), name="accounts_account_close"),
        ]
        inherited: list[URLPattern] = super().get_urls()
        return own + inherited

    def _account(self, request: HttpRequest, account_id: int, permission: str) -> Account:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        account = selectors.account_get(account_id=account_id)
        if account is None:
            raise Http404("no such account")
        return account

    def _page(self, request: HttpRequest, account: Account, title: str, form: Any) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "account": account,
                   "summary": selectors.account_summary(account=account)}  # fmt: skip
        return render(request, "accounts/admin/form.html", context)

    def _done(self, account: Account) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:accounts_account_change", args=[account.pk]))

    def status_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        account = self._account(request, account_id, "accounts.block_account")
        form = StatusForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                statuses.account_status_set(
                    account_id=account.pk,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor_id=int(request.user.pk),  # type: ignore[arg-type]
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "The account's status is changed; the customer is told.")
                return self._done(account)
        return self._page(request, account, f"Status of {account.iban}", form)

    def overdraft_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        account = self._account(request, account_id, "accounts.manage_account")
        form = OverdraftForm(request.POST or None, currency=account.currency)
        if request.method == "POST" and form.is_valid():
            try:
                statuses.account_overdraft_request(
                    account_id=account.pk,
                    limit_minor=form.cleaned_data["limit"],
                    reason=form.cleaned_data["reason"],
                    maker_id=int(request.user.pk),  # type: ignore[arg-type]
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Asked: the overdraft is set once someone else approves it.")
                return self._done(account)
        return self._page(request, account, f"Arranged overdraft of {account.iban}", form)

    def close_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        account = self._account(request, account_id, "accounts.manage_account")
        form = CloseForm(request.POST or None, account=account)
        if request.method == "POST" and form.is_valid():
            sweep = form.cleaned_data["sweep_to"]
            try:
                statuses.account_close_request(
                    account_id=account.pk,
                    reason=form.cleaned_data["reason"],
                    maker_id=int(request.user.pk),  # type: ignore[arg-type]
                    sweep_to_account_id=sweep.pk if sweep else None,
                    now=timezone.now(),
                )
            except DomainError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Asked: the account closes once someone else approves it.")
                return self._done(account)
        return self._page(request, account, f"Close {account.iban}", form)


@admin.register(AccountStatusChange)
class AccountStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "account", "from_status", "to_status", "reason", "changed_by")
    list_filter = ("to_status",)
    search_fields = ("=account__iban", "account__customer__email")
