"""The customer's account pages under /app/accounts/ (thin: selectors read, one service writes).

Every page that names an account looks it up among the signed-in customer's own accounts, so
another customer's account, transaction or export is a 404, as if it did not exist.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import charts, history, qr, selectors
from apps.accounts.errors import AccountRefused
from apps.accounts.forms import AccountOpenForm, HistoryFilterForm
from apps.accounts.models import Account
from apps.accounts.services import opening
from apps.kyc import interface as kyc
from bankcore.money import Money, MoneyError

CHART_DAYS = 90


def _customer(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


def _own_account(request: HttpRequest, account_id: int) -> Account:
    account = selectors.account_of_customer(customer_id=_customer(request), account_id=account_id)
    if account is None:
        raise Http404("no such account")
    return account


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/overview.html", {"accounts": selectors.accounts_overview(customer_id=_customer(request))}
    )


def dashboard_panel(request: HttpRequest) -> str | None:
    """The dashboard's Accounts panel: each account with its balance, or None for the empty state."""
    if not request.user.is_authenticated:
        return None
    accounts = [a for a in selectors.accounts_overview(customer_id=_customer(request)) if a.status != "closed"]
    if not accounts:
        return None
    return render_to_string("accounts/_panel.html", {"accounts": accounts}, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def account_open(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    status = kyc.customer_status(customer_id=customer_id)
    products = selectors.products_open_for(tier=status.tier)
    form = AccountOpenForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            account_id = opening.account_open_for_customer(
                customer_id=customer_id,
                product_code=form.cleaned_data["product"],
                currency=form.cleaned_data["currency"],
                nickname=form.cleaned_data["nickname"],
                now=timezone.now(),
            )
        except AccountRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Your new account is open.")
            return HttpResponseRedirect(reverse("accounts:detail", args=[account_id]))
    return render(
        request,
        "accounts/open.html",
        {"form": form, "products": products, "tier": status.tier, "restricted": status.restricted},
    )


def _filters(request: HttpRequest, account: Account) -> HistoryFilterForm:
    form = HistoryFilterForm(request.GET or None, currency=account.currency)
    if form.is_bound:
        form.is_valid()  # runs the checks once, so the page can show their errors
    return form


def _query(form: HistoryFilterForm, **extra: Any) -> str:
    """The filter as a query string (for the next page and the export), without empty parts."""
    data = form.data if form.is_bound else {}
    kept = {k: v for k, v in data.items() if v and k in form.fields and k != "before"}
    kept.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(kept)


def _qr_amount(request: HttpRequest, currency: str) -> tuple[Money | None, str]:
    text = request.GET.get("qr_amount", "").strip()
    if not text:
        return None, ""
    try:
        amount = Money.of(text, currency)
    except (MoneyError, ValueError):
        return None, "Enter an amount such as 25.00."
    if amount.minor <= 0:
        return None, "Enter an amount above zero."
    return amount, ""


@login_required
@require_GET
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _own_account(request, account_id)
    form = _filters(request, account)
    page = None
    if not form.is_bound or form.is_valid():
        wanted = form.history_filter() if form.is_bound else history.HistoryFilter()
        before = form.cleaned_data.get("before") if form.is_bound else None
        page = history.history_page(account=account, wanted=wanted, before=before)
    today = timezone.now().astimezone(history.bank_zone()).date()
    points = history.balance_series(account=account, days=CHART_DAYS, today=today)
    qr_amount, qr_error = _qr_amount(request, account.currency)
    epc = None
    if account.currency == "EUR" and account.status in ("open", "debit_blocked"):
        epc = qr.epc_qr_data_uri(
            name=account.customer.full_name or account.customer.email,
            iban=account.iban,
            bic=account.bic,
            amount=qr_amount,
        )
    context = {
        "account": selectors.account_summary(account=account),
        "form": form,
        "page": page,
        "next_query": _query(form, before=page.next_before) if page and page.next_before else "",
        "export_query": _query(form),
        "filtered": form.is_bound and any(v for k, v in form.data.items() if k in form.fields and k != "before"),
        "chart": charts.balance_chart(points),
        "points": points,
        "chart_days": CHART_DAYS,
        "epc_qr": epc,
        "qr_amount": request.GET.get("qr_amount", ""),
        "qr_error": qr_error,
        "holder_name": account.customer.full_name or account.customer.email,
    }
    return render(request, "accounts/detail.html", context)


@login_required
@require_GET
def transaction_detail(request: HttpRequest, account_id: int, transaction_id: int) -> HttpResponse:
    account = _own_account(request, account_id)
    found = history.transaction_get(account=account, posting_id=transaction_id)
    if found is None:
        raise Http404("no such transaction")
    return render(
        request,
        "accounts/transaction.html",
        {"account": selectors.account_summary(account=account), "transaction": found},
    )


class _Echo:
    """A file-like object whose write hands the line back, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ (or a tab/CR) as a formula: quote it.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(account: Account, wanted: history.HistoryFilter) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "booked_at",
            "value_date",
            "amount",
            "currency",
            "direction",
            "counterparty",
            "counterparty_iban",
            "reference",
            "balance_after",
        ]
    )
    for item in history.history_iter(account=account, wanted=wanted):
        yield writer.writerow(
            [
                item.booked_at.astimezone(history.bank_zone()).isoformat(),
                item.value_date.isoformat(),
                item.amount.to_decimal_string(),
                item.amount.currency,
                item.direction,
                _cell(item.counterparty_name),
                item.counterparty_iban,
                _cell(item.reference),
                item.balance_after.to_decimal_string(),
            ]
        )


@login_required
@require_GET
def transactions_export(request: HttpRequest, account_id: int) -> HttpResponse | StreamingHttpResponse:
    account = _own_account(request, account_id)
    form = HistoryFilterForm(request.GET, currency=account.currency)
    if not form.is_valid():
        context = {"account": selectors.account_summary(account=account), "form": form}
        return render(request, "accounts/export_refused.html", context, status=400)
    response = StreamingHttpResponse(_csv_rows(account, form.history_filter()), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(history.bank_zone()).date()
    response["Content-Disposition"] = f'attachment; filename="{account.iban}-{stamp.isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response
