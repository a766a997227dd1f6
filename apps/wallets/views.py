"""wallets: the customer portal's pages (thin: parse, one service or selector call, render).

Sending is two steps: the form, then a review page that shows exactly what will be sent and
to the address as typed (nothing about whether it belongs to a customer), with a code field
when no SCA exemption applies. The review carries a fresh idempotency key, so a double
submission sends once.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.wallets import forms, selectors
from apps.wallets.errors import WalletNotFound, WalletRefused, WebhookRefused
from apps.wallets.services import fx, phones, qr, requests, sca_gate, topups, transfer_codes, transfers, withdrawals
from bankcore.money import Money


def _me(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


def _not_found(call: Any) -> Any:
    try:
        return call()
    except WalletNotFound:
        raise Http404("not found") from None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    me, now = _me(request), timezone.now()
    return render(
        request,
        "wallets/home.html",
        {
            "wallets": selectors.wallets_of_customer(customer_id=me),
            "activity": selectors.activity(customer_id=me),
            "to_pay": selectors.requests_to_pay(customer_id=me, now=now),
            "made": selectors.requests_made(customer_id=me),
            "phone": selectors.phone_state(customer_id=me).verified,
        },
    )


@login_required
@require_GET
def wallet_detail(request: HttpRequest, wallet_id: int) -> HttpResponse:
    wallet = _not_found(lambda: selectors.wallet_get(customer_id=_me(request), wallet_id=wallet_id))
    context = {"w": selectors.wallet_view(wallet), "recovery": selectors.open_recovery(wallet_id=wallet.pk)}
    return render(request, "wallets/wallet.html", context)


def _phone_page(request: HttpRequest, *, number_form: Any = None, code_form: Any = None) -> HttpResponse:
    context = {
        "state": selectors.phone_state(customer_id=_me(request)),
        "number_form": number_form or forms.PhoneForm(),
        "code_form": code_form or forms.PhoneCodeForm(),
    }
    return render(request, "wallets/phone.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    """The number to receive money by: add one (a code is texted to it), then enter the code."""
    if request.method == "GET":
        return _phone_page(request)
    form = forms.PhoneForm(request.POST)
    if form.is_valid():
        try:
            number = phones.phone_claim(customer_id=_me(request), phone=form.cleaned_data["phone"], now=timezone.now())
        except WalletRefused as refused:
            form.add_error("phone", str(refused))
        else:
            # The same words whoever holds the number: adding one cannot tell who is a customer.
            messages.success(request, f"We sent a code to {phones.phone_display(number)}. Enter it below.")
            return HttpResponseRedirect(reverse("wallets:phone"))
    return _phone_page(request, number_form=form)


@login_required
@require_POST
def phone_verify(request: HttpRequest) -> HttpResponse:
    form = forms.PhoneCodeForm(request.POST)
    if form.is_valid():
        try:
            number = phones.phone_verify(customer_id=_me(request), code=form.cleaned_data["code"], now=timezone.now())
        except WalletRefused as refused:
            form.add_error("code", str(refused))
        else:
            messages.success(request, f"Verified: people can now send you money at {phones.phone_display(number)}.")
            return HttpResponseRedirect(reverse("wallets:phone"))
    return _phone_page(request, code_form=form)


@login_required
@require_POST
def phone_resend(request: HttpRequest) -> HttpResponse:
    try:
        number = phones.phone_code_resend(customer_id=_me(request), now=timezone.now())
    except WalletRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"We sent a new code to {phones.phone_display(number)}.")
    return HttpResponseRedirect(reverse("wallets:phone"))


def _review_context(data: dict[str, Any], money: Money, *, me: int, key: str, needs_code: bool) -> dict[str, Any]:
    lines = [("To", data["address"]), ("Amount", money.format())]
    if data.get("note"):
        lines.append(("Note", data["note"]))
    return {"data": data, "money": money, "key": key, "needs_code": needs_code, "challenge_lines": lines}


@login_required
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest) -> HttpResponse:
    me, now = _me(request), timezone.now()
    form = forms.SendForm(request.POST or None, initial={"currency": request.GET.get("currency", "EUR")})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["money"] is not None:
        money = form.cleaned_data["money"]
        needs_code = not sca_gate.exemption_available(customer_id=me, amount=money, now=now)
        context = _review_context(form.cleaned_data, money, me=me, key=secrets.token_urlsafe(16), needs_code=needs_code)
        return render(request, "wallets/send_review.html", context)
    return render(request, "wallets/send.html", {"form": form})


@login_required
@require_POST
def send_confirm(request: HttpRequest) -> HttpResponse:
    me, now = _me(request), timezone.now()
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("The form was incomplete; start again.")
    data = form.cleaned_data
    try:
        money = Money.of(data["amount"], data["currency"])
    except ValueError:
        return HttpResponseBadRequest("The amount was changed; start again.")
    source = selectors.wallet_by_currency(customer_id=me, currency=data["currency"])
    error = ""
    needs_code = bool(data["otp_token"])
    try:
        if source is None:
            raise WalletRefused(f"You have no {data['currency']} wallet; top one up first.", code="no_wallet")
        challenge_id = transfer_codes.transfer_challenge(
            customer_id=me, address=data["address"], amount=money, otp_token=data["otp_token"], now=now
        )
        result = transfers.p2p_send(
            customer_id=me, source_wallet_id=source.pk, address=data["address"], amount=money, note=data["note"],
            idempotency_key=data["key"], now=now, challenge_id=challenge_id,
        )  # fmt: skip
    except WalletRefused as refused:
        error = str(refused)
        needs_code = needs_code or refused.code == "sca_required"
        if refused.code not in ("sca_required", "invalid_otp"):
            data["key"] = secrets.token_urlsafe(16)  # a refused attempt moved nothing: the next is a new one
        context = _review_context(data, money, me=me, key=data["key"], needs_code=needs_code) | {"error": error}
        return render(request, "wallets/send_review.html", context, status=422)
    return HttpResponseRedirect(reverse("wallets:transfer", args=[result.id]))


@login_required
@require_GET
def transfer(request: HttpRequest, transfer_id: int) -> HttpResponse:
    found = _not_found(lambda: selectors.transfer_get(customer_id=_me(request), transfer_id=transfer_id))
    return render(request, "wallets/transfer.html", {"t": found, "amount": Money(found.amount_minor, found.currency),
                                                     "outgoing": found.sender_id == _me(request)})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["money"] is not None:
        data = form.cleaned_data
        try:
            request_id = requests.request_create(
                customer_id=_me(request), address=data["address"], amount=data["money"], note=data["note"],
                now=timezone.now(),
            )  # fmt: skip
        except WalletRefused as refused:
            form.add_error(None, str(refused))
        else:
            # The same words whoever the address belongs to: asking cannot tell who is a customer.
            messages.success(request, f"Request sent to {data['address']}.")
            return HttpResponseRedirect(reverse("wallets:request", args=[request_id]))
    return render(request, "wallets/request_new.html", {"form": form})


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    me = _me(request)
    found = _not_found(lambda: selectors.request_get(customer_id=me, request_id=request_id))
    return render(request, "wallets/request.html", {
        "r": found, "amount": Money(found.amount_minor, found.currency), "is_payer": found.payer_id == me,
        "key": secrets.token_urlsafe(16), "expired": found.expires_at <= timezone.now(),
    })  # fmt: skip


@login_required
@require_POST
def request_pay(request: HttpRequest, request_id: int) -> HttpResponse:
    me, now = _me(request), timezone.now()
    found = _not_found(lambda: selectors.request_get(customer_id=me, request_id=request_id))
    if found.payer_id != me:
        raise Http404("not found")
    token = request.POST.get("otp_token", "").strip()
    try:
        challenge_id = transfer_codes.transfer_challenge(
            customer_id=me, address=requests.request_address(found), amount=Money(found.amount_minor, found.currency),
            otp_token=token, now=now,
        )  # fmt: skip
        key = request.POST.get("key", "")[:64] or secrets.token_urlsafe(16)
        result = requests.request_pay(
            customer_id=me, request_id=request_id, idempotency_key=key, now=now, challenge_id=challenge_id
        )
    except WalletRefused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse("wallets:request", args=[request_id]))
    messages.success(request, "Paid.")
    return HttpResponseRedirect(reverse("wallets:transfer", args=[result.id]))


@login_required
@require_POST
def request_decline(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        requests.request_decline(customer_id=_me(request), request_id=request_id, now=timezone.now())
    except WalletNotFound:
        raise Http404("not found") from None
    except WalletRefused as refused:
        messages.error(request, str(refused))
        return HttpResponseRedirect(reverse("wallets:request", args=[request_id]))
    messages.success(request, "Request declined.")
    return HttpResponseRedirect(reverse("wallets:home"))


@login_required
@require_http_methods(["GET", "POST"])
def receive(request: HttpRequest) -> HttpResponse:
    form = forms.ReceiveForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid() and not form.errors:
        try:
            text = qr.qr_make(
                customer_id=_me(request), currency=form.cleaned_data["currency"], amount=form.cleaned_data["money"],
                now=timezone.now(),
            )  # fmt: skip
        except WalletRefused as refused:
            form.add_error(None, str(refused))
        else:
            context |= {"code": text, "image": qr.qr_svg_data_uri(text=text)}
    return render(request, "wallets/receive.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pay_qr(request: HttpRequest) -> HttpResponse:
    me, now = _me(request), timezone.now()
    form = forms.PayQrForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid() and not form.errors:
        data = form.cleaned_data
        try:
            payload = qr.qr_read(text=data["code"], now=now)
            amount = payload.amount or (Money.of(data["amount"], payload.currency) if data.get("amount") else None)
            context |= {"payload": payload, "amount": amount}
            if data.get("key") and amount is not None:
                challenge_id = transfer_codes.transfer_challenge(
                    customer_id=me, address=f"wallet:{payload.wallet_id}", amount=amount,
                    otp_token=data.get("otp_token") or "", now=now,
                )  # fmt: skip
                result = qr.qr_pay(
                    customer_id=me, text=data["code"], amount=amount, idempotency_key=data["key"], now=now,
                    challenge_id=challenge_id,
                )  # fmt: skip
                return HttpResponseRedirect(reverse("wallets:transfer", args=[result.id]))
            context["key"] = secrets.token_urlsafe(16)
            context["needs_code"] = amount is not None and not sca_gate.exemption_available(
                customer_id=me, amount=amount, now=now
            )
        except (WalletRefused, ValueError) as refused:
            form.add_error(None, str(refused))
            context.pop("payload", None)
    return render(request, "wallets/pay_qr.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def topup(request: HttpRequest) -> HttpResponse:
    form = forms.TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["money"] is not None:
        try:
            _, redirect = topups.topup_start(
                customer_id=_me(request), currency=form.cleaned_data["currency"], amount=form.cleaned_data["money"],
                idempotency_key=request.POST.get("key", "")[:64] or secrets.token_urlsafe(16), now=timezone.now(),
            )  # fmt: skip
        except WalletRefused as refused:
            form.add_error(None, str(refused))
        else:
            return HttpResponseRedirect(redirect)
    return render(request, "wallets/topup.html", {"form": form, "key": secrets.token_urlsafe(16)})


@login_required
@require_GET
def topup_detail(request: HttpRequest, topup_id: int) -> HttpResponse:
    found = _not_found(lambda: selectors.topup_get(customer_id=_me(request), topup_id=topup_id))
    return render(
        request, "wallets/topup_detail.html", {"topup": found, "amount": Money(found.amount_minor, found.currency)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def convert(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = forms.ConvertForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["money"] is not None:
        data = form.cleaned_data
        source = selectors.wallet_by_currency(customer_id=me, currency=data["currency"])
        try:
            if source is None:
                raise WalletRefused(f"You have no {data['currency']} wallet.", code="no_wallet")
            quote_id = fx.quote_create(
                customer_id=me, source_wallet_id=source.pk, target_currency=data["target"], sell=data["money"],
                now=timezone.now(),
            )  # fmt: skip
        except WalletRefused as refused:
            form.add_error(None, str(refused))
        else:
            return HttpResponseRedirect(reverse("wallets:quote", args=[quote_id]))
    return render(request, "wallets/convert.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def quote(request: HttpRequest, quote_id: int) -> HttpResponse:
    me, now = _me(request), timezone.now()
    found = _not_found(lambda: selectors.quote_get(customer_id=me, quote_id=quote_id))
    error = ""
    if request.method == "POST":
        try:
            fx.quote_execute(customer_id=me, quote_id=quote_id, now=now)
        except WalletRefused as refused:
            error = str(refused)
        else:
            messages.success(request, "Converted.")
            return HttpResponseRedirect(reverse("wallets:home"))
    context = {
        "q": found,
        "sell": Money(found.sell_minor, found.sell_currency),
        "buy": Money(found.buy_minor, found.buy_currency),
        "seconds_left": max(int((found.expires_at - now).total_seconds()), 0),
        "error": error,
    }
    return render(request, "wallets/quote.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    me, now = _me(request), timezone.now()
    form = forms.WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["money"] is not None:
        data, money = form.cleaned_data, form.cleaned_data["money"]
        wallet = selectors.wallet_by_currency(customer_id=me, currency="EUR")
        try:
            if wallet is None:
                raise WalletRefused("You have no EUR wallet.", code="no_wallet")
            challenge_id = None
            if data["otp_token"]:
                details = withdrawals.withdrawal_details(wallet_id=wallet.pk, iban=data["iban"], amount=money)
                challenge_id = sca_gate.challenge_confirm(
                    customer_id=me, details=details, otp_token=data["otp_token"], now=now,
                    action=sca_gate.WITHDRAWAL_ACTION,
                )  # fmt: skip
            key = request.POST.get("key", "")[:64] or secrets.token_urlsafe(16)
            withdrawals.withdrawal_create(
                customer_id=me,
                wallet_id=wallet.pk,
                amount=money,
                iban=data["iban"],
                now=now,
                idempotency_key=key,
                challenge_id=challenge_id,
            )
        except WalletRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{money.format()} is on its way to {data['iban']}.")
            return HttpResponseRedirect(reverse("wallets:home"))
    return render(request, "wallets/withdraw.html", {"form": form, "key": secrets.token_urlsafe(16)})


@csrf_exempt
@require_POST
def acquirer_webhook(request: HttpRequest) -> HttpResponse:
    """The acquirer's signed notifications (no session: the signature is the authentication)."""
    headers = {k: v for k, v in request.headers.items() if k.lower().startswith("webhook-")}
    try:
        outcome = topups.webhook_receive(body=request.body, headers=headers, now=timezone.now())
    except WebhookRefused as refused:
        return HttpResponse(str(refused), status=400, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
