"""The customer's payment pages under /app/payments/ (thin: selectors read, one service writes).

Every page that names a payment, beneficiary or standing order looks it up among the signed-in
customer's own, so another customer's is a 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import interface as accounts
from apps.payments import selectors
from apps.payments.errors import (
    BeneficiaryNotFound,
    BeneficiaryRefused,
    PaymentInvalid,
    PaymentNotFound,
    PaymentRefused,
    StandingOrderNotFound,
    StandingOrderRefused,
    TransitionRefused,
)
from apps.payments.forms import BeneficiaryForm, OtpForm, PayForm, StandingOrderForm
from apps.payments.models import Beneficiary, Payment, StandingOrder
from apps.payments.services import beneficiaries, cancel, initiate, standing_orders, validation
from bankcore.money import Money
from bankcore.sca import services as sca

FORM_FIELDS = {
    "creditor_iban": "creditor_iban",
    "creditor_name": "creditor_name",
    "amount": "amount",
    "currency": "amount",
    "reference": "reference",
    "execution_date": "execution_date",
    "source_account": "source_account",
    "beneficiary": "beneficiary",
    "name": "name",
    "iban": "iban",
    "nickname": "nickname",
    "start_date": "start_date",
    "end_date": "end_date",
    "count": "count",
    "frequency": "frequency",
}


def _customer(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


def _own_payment(request: HttpRequest, payment_id: int) -> Payment:
    payment = selectors.payment_of_customer(customer_id=_customer(request), payment_id=payment_id)
    if payment is None:
        raise Http404("no such payment")
    return payment


def _own_beneficiary(request: HttpRequest, beneficiary_id: int) -> Beneficiary:
    found = selectors.beneficiary_of_customer(customer_id=_customer(request), beneficiary_id=beneficiary_id)
    if found is None:
        raise Http404("no such beneficiary")
    return found


def _own_order(request: HttpRequest, order_id: int) -> StandingOrder:
    found = selectors.standing_order_of_customer(customer_id=_customer(request), standing_order_id=order_id)
    if found is None:
        raise Http404("no such standing order")
    return found


def _carried(request: HttpRequest) -> list[tuple[str, str]]:
    """The form's fields as posted, carried through a confirmation page in hidden inputs."""
    skip = {"csrfmiddlewaretoken", "step", "idempotency_key", "otp_token"}
    return [(name, str(value)) for name, value in request.POST.items() if name not in skip]


def _refusal_to_form(form: forms.Form, refused: Exception) -> None:
    field = FORM_FIELDS.get(getattr(refused, "field", ""))
    form.add_error(field if field in form.fields else None, str(refused))


def _account_choices(customer_id: int) -> list[tuple[int, str]]:
    return [
        (a.id, f"{a.product_code.replace('_', ' ').title()} · {a.iban} · {a.currency}")
        for a in accounts.accounts_of_customer(customer_id=customer_id, include_closed=False)
        if a.may_send
    ]


def _payee_choices(customer_id: int) -> list[tuple[int, str]]:
    return [(b.pk, f"{b.nickname or b.name} · {b.iban}") for b in selectors.beneficiary_list(customer_id=customer_id)]


def _currency_of(customer_id: int, account_id: int) -> str:
    for account in accounts.accounts_of_customer(customer_id=customer_id):
        if account.id == account_id:
            return account.currency
    return "EUR"


# --- payments ----------------------------------------------------------------------------------------


@login_required
@require_GET
def payment_list(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    status = request.GET.get("status") or None
    if status is not None and status not in selectors.STATUSES:
        status = None
    return render(
        request,
        "payments/list.html",
        {
            "payments": [
                selectors.payment_view(p) for p in selectors.payment_list(customer_id=customer_id, status=status)
            ],
            "status": status or "",
            "statuses": selectors.STATUSES,
        },
    )


def _pay_form(request: HttpRequest, data: Any = None) -> PayForm:
    customer_id = _customer(request)
    initial = {}
    if "beneficiary" in request.GET and request.GET["beneficiary"].isdigit():
        initial["beneficiary"] = int(request.GET["beneficiary"])
    return PayForm(data, accounts=_account_choices(customer_id), payees=_payee_choices(customer_id), initial=initial)


def _prepare(request: HttpRequest, form: PayForm) -> initiate.PaymentDraft | None:
    """The draft of a valid form (nothing written), or None with the refusal on the form."""
    customer_id = _customer(request)
    data = form.cleaned_data
    try:
        amount = validation.amount_parse(data["amount"], _currency_of(customer_id, data["source_account"]))
        return initiate.payment_prepare(
            customer_id=customer_id,
            amount=amount,
            creditor_name=data.get("creditor_name") or "",
            creditor_iban=data.get("creditor_iban") or "",
            now=timezone.now(),
            source_account_id=data["source_account"],
            reference=data.get("reference") or "",
            instant=bool(data.get("instant")),
            execution_date=data.get("execution_date"),
            beneficiary_id=data.get("beneficiary"),
        )
    except PaymentInvalid as invalid:
        _refusal_to_form(form, invalid)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def payment_new(request: HttpRequest) -> HttpResponse:
    """Pay someone: the form, then a confirmation page with the payee check, then the payment."""
    if request.method == "GET":
        return render(request, "payments/new.html", {"form": _pay_form(request)})
    form = _pay_form(request, request.POST)
    if not form.is_valid():
        return render(request, "payments/new.html", {"form": form})
    if request.POST.get("step") != "confirm":
        draft = _prepare(request, form)
        if draft is None:
            return render(request, "payments/new.html", {"form": form})
        return render(
            request,
            "payments/confirm.html",
            {"draft": draft, "idempotency_key": uuid.uuid4().hex, "hidden": _carried(request)},
        )
    key = request.POST.get("idempotency_key", "")
    data = form.cleaned_data
    try:
        amount = validation.amount_parse(data["amount"], _currency_of(_customer(request), data["source_account"]))
        view = initiate.payment_initiate(
            customer_id=_customer(request),
            amount=amount,
            creditor_name=data.get("creditor_name") or "",
            creditor_iban=data.get("creditor_iban") or "",
            idempotency_key=f"portal:{key}",
            now=timezone.now(),
            source_account_id=data["source_account"],
            reference=data.get("reference") or "",
            instant=bool(data.get("instant")),
            execution_date=data.get("execution_date"),
            beneficiary_id=data.get("beneficiary"),
        )
    except (PaymentInvalid, PaymentRefused, sca.ChallengeRefused) as refused:
        _refusal_to_form(form, refused)
        return render(request, "payments/new.html", {"form": form})
    if view.status == "awaiting_sca":
        return HttpResponseRedirect(reverse("payments:authorise", args=[view.id]))
    return HttpResponseRedirect(reverse("payments:detail", args=[view.id]))


@login_required
@require_http_methods(["GET", "POST"])
def payment_authorise(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    if payment.status != "awaiting_sca":
        return HttpResponseRedirect(reverse("payments:detail", args=[payment.pk]))
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            view = initiate.payment_authorise(
                customer_id=_customer(request),
                payment_id=payment.pk,
                otp_token=form.cleaned_data["otp_token"],
                now=timezone.now(),
            )
        except sca.ChallengeRefused as refused:
            form.add_error("otp_token", str(refused))
        else:
            messages.success(request, _done_message(view.status))
            return HttpResponseRedirect(reverse("payments:detail", args=[view.id]))
    return render(request, "payments/authorise.html", {"payment": selectors.payment_view(payment), "form": form})


def _done_message(status: str) -> str:
    return {
        "settled": "Paid.",
        "accepted": "Payment accepted: it leaves with the next settlement.",
        "held_for_review": "Your payment is being checked; we will tell you when it goes ahead.",
        "rejected": "The payment was rejected.",
    }.get(status, "Payment saved.")


@login_required
@require_GET
def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    view = selectors.payment_view(payment)
    return render(
        request,
        "payments/detail.html",
        {
            "payment": view,
            "timeline": selectors.payment_timeline(payment_id=payment.pk),
            "cancellable": selectors.payment_cancellable(payment),
        },
    )


@login_required
@require_POST
def payment_cancel(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _own_payment(request, payment_id)
    try:
        cancel.payment_cancel(
            customer_id=_customer(request), payment_id=payment.pk, actor=f"customer:{_customer(request)}",
            now=timezone.now(),
        )  # fmt: skip
        messages.success(request, "Payment cancelled.")
    except (TransitionRefused, PaymentNotFound) as refused:
        messages.error(request, str(refused))
    return HttpResponseRedirect(reverse("payments:detail", args=[payment.pk]))


@login_required
@require_GET
def scheduled_list(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    today = validation.bank_today(timezone.now())
    return render(
        request,
        "payments/scheduled.html",
        {
            "payments": [
                selectors.payment_view(p) for p in selectors.scheduled_list(customer_id=customer_id, today=today)
            ],
            "orders": selectors.standing_order_list(customer_id=customer_id),
        },
    )


# --- beneficiaries -----------------------------------------------------------------------------------


@login_required
@require_GET
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/beneficiaries.html",
        {"beneficiaries": selectors.beneficiary_list(customer_id=_customer(request))},
    )


def _challenge_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {
        "op": "Action", "name": "Name", "iban": "IBAN", "amount": "Amount", "currency": "Currency",
        "creditor_iban": "Payee's IBAN", "creditor_name": "Payee", "frequency": "Every", "start_date": "First payment",
    }  # fmt: skip
    return [(labels.get(k, k), str(v)) for k, v in details.items() if v is not None and k in labels]


@login_required
@require_http_methods(["GET", "POST"])
def beneficiary_new(request: HttpRequest) -> HttpResponse:
    """Add a payee: the form, then the details with the code that approves exactly them."""
    form = BeneficiaryForm(request.POST or None)
    otp = OtpForm(request.POST if request.POST.get("step") == "confirm" else None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "payments/beneficiary_form.html", {"form": form, "title": "Add a payee"})
    try:
        name, iban, _bic, nickname = beneficiaries.beneficiary_input_check(**form.cleaned_data)
    except BeneficiaryRefused as refused:
        _refusal_to_form(form, refused)
        return render(request, "payments/beneficiary_form.html", {"form": form, "title": "Add a payee"})
    details = beneficiaries.beneficiary_sca_details(op="add", name=name, iban=iban)
    if request.POST.get("step") == "confirm" and otp.is_valid():
        now = timezone.now()
        try:
            challenge_id = sca.challenge_confirm(
                user_id=_customer(request), action=beneficiaries.ACTION, details=details,
                otp_token=otp.cleaned_data["otp_token"], now=now,
            )  # fmt: skip
            beneficiaries.beneficiary_add(
                customer_id=_customer(request), name=name, iban=iban, nickname=nickname, challenge_id=challenge_id,
                now=now,
            )  # fmt: skip
        except sca.ChallengeRefused as refused:
            otp.add_error("otp_token", str(refused))
        except BeneficiaryRefused as refused:
            _refusal_to_form(form, refused)
            return render(request, "payments/beneficiary_form.html", {"form": form, "title": "Add a payee"})
        else:
            messages.success(request, f"{name} saved.")
            return HttpResponseRedirect(reverse("payments:beneficiaries"))
    return render(
        request,
        "payments/beneficiary_confirm.html",
        {"hidden": _carried(request), "otp": otp, "challenge_lines": _challenge_lines(details), "action": "add"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def beneficiary_detail(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    """A payee: change it (a new name or IBAN is approved with a code), trust it, or delete it."""
    beneficiary = _own_beneficiary(request, beneficiary_id)
    initial = {"name": beneficiary.name, "iban": beneficiary.iban, "nickname": beneficiary.nickname}
    form = BeneficiaryForm(request.POST or None, initial=initial)
    otp = OtpForm(request.POST if request.POST.get("step") == "confirm" else None)
    context: dict[str, Any] = {"form": form, "beneficiary": beneficiary, "otp": otp}
    if request.method == "GET" or not form.is_valid():
        return render(request, "payments/beneficiary_detail.html", context)
    try:
        name, iban, _bic, nickname = beneficiaries.beneficiary_input_check(**form.cleaned_data)
    except BeneficiaryRefused as refused:
        _refusal_to_form(form, refused)
        return render(request, "payments/beneficiary_detail.html", context)
    material = (name, iban) != (beneficiary.name, beneficiary.iban)
    details = beneficiaries.beneficiary_sca_details(op="change", name=name, iban=iban, beneficiary_id=beneficiary.pk)
    if material and not (request.POST.get("step") == "confirm" and otp.is_valid()):
        context |= {"challenge_lines": _challenge_lines(details), "action": "change", "hidden": _carried(request)}
        return render(request, "payments/beneficiary_confirm.html", context)
    now = timezone.now()
    try:
        challenge_id = None
        if material:
            challenge_id = sca.challenge_confirm(
                user_id=_customer(request), action=beneficiaries.ACTION, details=details,
                otp_token=otp.cleaned_data["otp_token"], now=now,
            )  # fmt: skip
        beneficiaries.beneficiary_change(
            customer_id=_customer(request), beneficiary_id=beneficiary.pk, name=name, iban=iban, nickname=nickname,
            challenge_id=challenge_id, now=now,
        )  # fmt: skip
    except sca.ChallengeRefused as refused:
        otp.add_error("otp_token", str(refused))
        context |= {"challenge_lines": _challenge_lines(details), "action": "change", "hidden": _carried(request)}
        return render(request, "payments/beneficiary_confirm.html", context)
    except (BeneficiaryRefused, BeneficiaryNotFound) as refused:
        _refusal_to_form(form, refused)
        return render(request, "payments/beneficiary_detail.html", context)
    messages.success(request, "Payee saved.")
    return HttpResponseRedirect(reverse("payments:beneficiaries"))


@login_required
@require_POST
def beneficiary_trust(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    beneficiary = _own_beneficiary(request, beneficiary_id)
    trusted = request.POST.get("trusted") == "1"
    now = timezone.now()
    try:
        challenge_id = None
        if trusted:
            details = beneficiaries.beneficiary_sca_details(
                op="trust", name=beneficiary.name, iban=beneficiary.iban, beneficiary_id=beneficiary.pk
            )
            challenge_id = sca.challenge_confirm(
                user_id=_customer(request), action=beneficiaries.ACTION, details=details,
                otp_token=request.POST.get("otp_token", ""), now=now,
            )  # fmt: skip
        beneficiaries.beneficiary_trust_set(
            customer_id=_customer(request), beneficiary_id=beneficiary.pk, trusted=trusted, challenge_id=challenge_id,
            now=now,
        )  # fmt: skip
        messages.success(request, "Payee trusted: no code needed to pay it." if trusted else "Payee no longer trusted.")
    except (sca.ChallengeRefused, BeneficiaryRefused) as refused:
        messages.error(request, str(refused))
    return HttpResponseRedirect(reverse("payments:beneficiary", args=[beneficiary.pk]))


@login_required
@require_POST
def beneficiary_delete(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    beneficiary = _own_beneficiary(request, beneficiary_id)
    beneficiaries.beneficiary_delete(customer_id=_customer(request), beneficiary_id=beneficiary.pk, now=timezone.now())
    messages.success(request, "Payee removed.")
    return HttpResponseRedirect(reverse("payments:beneficiaries"))


# --- standing orders ---------------------------------------------------------------------------------


def _order_form(request: HttpRequest, data: Any = None) -> StandingOrderForm:
    customer_id = _customer(request)
    return StandingOrderForm(data, accounts=_account_choices(customer_id), payees=_payee_choices(customer_id))


@login_required
@require_http_methods(["GET", "POST"])
def standing_order_new(request: HttpRequest) -> HttpResponse:
    form = _order_form(request, request.POST or None)
    otp = OtpForm(request.POST if request.POST.get("step") == "confirm" else None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "payments/standing_order_form.html", {"form": form})
    customer_id = _customer(request)
    data = form.cleaned_data
    now = timezone.now()
    try:
        amount = validation.amount_parse(data["amount"], _currency_of(customer_id, data["source_account"]))
        draft = standing_orders.standing_order_validate(
            customer_id=customer_id, source_account_id=data["source_account"], beneficiary_id=data["beneficiary"],
            amount=amount, reference=data.get("reference") or "", frequency=data["frequency"],
            start_date=data["start_date"], end_date=data.get("end_date"), count=data.get("count"), now=now,
        )  # fmt: skip
    except (PaymentInvalid, StandingOrderRefused) as refused:
        _refusal_to_form(form, refused)
        return render(request, "payments/standing_order_form.html", {"form": form})
    details = standing_orders.standing_order_sca_details(
        amount=amount, creditor_iban=draft.payee.iban, creditor_name=draft.payee.name, frequency=data["frequency"],
        start_date=data["start_date"],
    )  # fmt: skip
    if request.POST.get("step") == "confirm" and otp.is_valid():
        try:
            challenge_id = sca.challenge_confirm(
                user_id=customer_id, action=standing_orders.ACTION, details=details,
                otp_token=otp.cleaned_data["otp_token"], now=now,
            )  # fmt: skip
            standing_orders.standing_order_create(
                customer_id=customer_id, source_account_id=data["source_account"], beneficiary_id=data["beneficiary"],
                amount=amount, reference=data.get("reference") or "", frequency=data["frequency"],
                start_date=data["start_date"], end_date=data.get("end_date"), count=data.get("count"),
                challenge_id=challenge_id, now=now,
            )  # fmt: skip
        except sca.ChallengeRefused as refused:
            otp.add_error("otp_token", str(refused))
        except StandingOrderRefused as refused:
            _refusal_to_form(form, refused)
            return render(request, "payments/standing_order_form.html", {"form": form})
        else:
            messages.success(request, "Standing order set up.")
            return HttpResponseRedirect(reverse("payments:scheduled"))
    return render(
        request,
        "payments/standing_order_confirm.html",
        {"hidden": _carried(request), "otp": otp, "challenge_lines": _challenge_lines(details)},
    )


@login_required
@require_GET
def standing_order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _own_order(request, order_id)
    return render(
        request,
        "payments/standing_order_detail.html",
        {
            "order": order,
            "amount": Money(order.amount_minor, order.currency),
            "payments": [selectors.payment_view(p) for p in order.payments.order_by("-occurrence_date")[:24]],
        },
    )


@login_required
@require_POST
def standing_order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    order = _own_order(request, order_id)
    do = {
        "pause": standing_orders.standing_order_pause,
        "resume": standing_orders.standing_order_resume,
        "cancel": standing_orders.standing_order_cancel,
    }.get(action)
    if do is None:
        raise Http404("no such action")
    try:
        do(customer_id=_customer(request), standing_order_id=order.pk, now=timezone.now())
        messages.success(request, {"pause": "Paused.", "resume": "Resumed.", "cancel": "Cancelled."}[action])
    except (StandingOrderRefused, StandingOrderNotFound) as refused:
        messages.error(request, str(refused))
    return HttpResponseRedirect(reverse("payments:standing_order", args=[order.pk]))


# --- dashboard panel ---------------------------------------------------------------------------------


def dashboard_panel(request: HttpRequest) -> str | None:
    """The dashboard's Recent payments panel, or None for its empty state."""
    if not request.user.is_authenticated:
        return None
    recent = [selectors.payment_view(p) for p in selectors.payment_list(customer_id=_customer(request), limit=5)]
    if not recent:
        return None
    return render_to_string("payments/_panel.html", {"payments": recent}, request=request)
