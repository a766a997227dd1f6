"""The acquirer's HTTP face: a JSON API for the merchant, and the pages the cardholder sees.

The card page and the 3-D Secure page are the acquirer's own: the card number is typed here and
never reaches the merchant, who learns only the token, brand and last four digits.
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from simulators.acquirer import cards, engine, store

# The acquirer's own page (not one of the bank's templates): no script, no style, a CSRF token.
_PAGE = engines["django"].from_string((Path(__file__).parent / "page.html").read_text())


def _amount(intent: dict[str, Any]) -> str:
    minor, currency = intent["amount_minor"], intent["currency"]
    decimals = 0 if currency in {"JPY", "KRW"} else 2
    return f"{minor / 10**decimals:,.{decimals}f} {currency}" if decimals else f"{minor} {currency}"


def _page(request: HttpRequest, intent: dict[str, Any], step: str, error: str = "", status: int = 200) -> HttpResponse:
    title = "Enter your card" if step == "card" else "Confirm it is you"
    html = _PAGE.render(
        {"title": title, "intent": intent, "amount": _amount(intent), "step": step, "error": error,
         "test_cards": cards.CARDS.values(), "code": cards.THREE_DS_CODE},
        request,
    )  # fmt: skip
    return HttpResponse(html, status=status)


def _back(intent: dict[str, Any]) -> HttpResponse:
    # The merchant learns the outcome from the webhook; the redirect only brings the customer back.
    separator = "&" if "?" in intent["return_url"] else "?"
    return HttpResponseRedirect(intent["return_url"] + separator + urlencode({"intent": intent["id"]}))


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    intent = store.read(intent_id)
    if intent is None:
        return HttpResponse("No such payment.", status=404, content_type="text/plain")
    if intent["status"] == "requires_3ds":
        return HttpResponseRedirect(request.path.replace("/pay/", "/3ds/"))
    if intent["status"] != "requires_card":
        return _back(intent)
    if request.method == "POST":
        try:
            intent = engine.card_submit(
                intent_id=intent_id, number=request.POST.get("number", ""), expiry=request.POST.get("expiry", ""),
                cvc=request.POST.get("cvc", ""),
            )  # fmt: skip
        except engine.Refused as refused:
            return _page(request, intent, "card", error=str(refused), status=refused.status)
        if intent["status"] == "requires_3ds":
            return HttpResponseRedirect(request.path.replace("/pay/", "/3ds/"))
        return _back(intent)
    return _page(request, intent, "card")


@require_http_methods(["GET", "POST"])
def three_ds_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    intent = store.read(intent_id)
    if intent is None:
        return HttpResponse("No such payment.", status=404, content_type="text/plain")
    if intent["status"] != "requires_3ds":
        return _back(intent)
    if request.method == "POST":
        try:
            intent = engine.three_ds_complete(intent_id=intent_id, code=request.POST.get("code", ""))
        except engine.Refused as refused:
            return _page(request, intent, "3ds", error=str(refused), status=refused.status)
        return _back(intent)
    return _page(request, intent, "3ds")


def _authorised(request: HttpRequest) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {engine.api_key()}".encode())


def _public(intent: dict[str, Any]) -> dict[str, Any]:
    return {k: intent[k] for k in ("id", "amount_minor", "currency", "reference", "status", "card")} | {
        "pay_path": f"pay/{intent['id']}/"
    }


def _api(handler: Any) -> Any:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not _authorised(request):
            return JsonResponse({"error": "unauthorised"}, status=401)
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"error": "the body is a JSON object"}, status=400)
        try:
            return JsonResponse(_public(handler(body, *args, **kwargs)))
        except engine.Refused as refused:
            return JsonResponse({"error": str(refused)}, status=refused.status)

    return view


@_api
def intents_create(body: dict[str, Any]) -> dict[str, Any]:
    return engine.intent_create(
        amount_minor=body.get("amount_minor"), currency=body.get("currency", ""),  # type: ignore[arg-type]
        reference=body.get("reference", ""), return_url=body.get("return_url", ""),
        webhook_url=body.get("webhook_url", ""),
    )  # fmt: skip


@_api
def intents_capture(body: dict[str, Any], intent_id: str) -> dict[str, Any]:
    return engine.capture(intent_id=intent_id)


@_api
def intents_cancel(body: dict[str, Any], intent_id: str) -> dict[str, Any]:
    return engine.cancel(intent_id=intent_id)


@_api
def intents_refund(body: dict[str, Any], intent_id: str) -> dict[str, Any]:
    return engine.refund(intent_id=intent_id)


@_api
def intents_chargeback(body: dict[str, Any], intent_id: str) -> dict[str, Any]:
    return engine.chargeback(intent_id=intent_id, reason=str(body.get("reason", "fraudulent")))


@csrf_exempt
@require_POST
def tick(request: HttpRequest) -> JsonResponse:
    if not _authorised(request):
        return JsonResponse({"error": "unauthorised"}, status=401)
    return JsonResponse({"chargebacks": engine.tick()})
