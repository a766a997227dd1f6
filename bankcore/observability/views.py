from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bankcore.http import client_ip
from bankcore.observability.health import run_checks
from bankcore.observability.metrics import scrape_allowed


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    results = run_checks()
    healthy = all(value == "ok" for value in results.values())
    failed = [name for name, value in results.items() if value != "ok"]
    body: dict[str, object] = {"status": "ok" if healthy else "error", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=200 if healthy else 503)


# What each check means to someone using the bank.
CHECK_LABELS = {
    "database": ("Database", "Accounts, balances and payment records"),
    "cache": ("Cache", "Signing in and security checks"),
    "broker": ("Background jobs", "Payment processing, screening and notifications"),
}


@never_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """The health checks for people: the footer's Status link. 503 while anything is down, like /health/."""
    rows = []
    for name, value in run_checks().items():
        label, meaning = CHECK_LABELS.get(name, (name.title(), ""))
        rows.append({"name": label, "meaning": meaning, "ok": value == "ok"})
    healthy = all(row["ok"] for row in rows)
    return render(
        request, "observability/status.html", {"rows": rows, "healthy": healthy}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not scrape_allowed(
        token=settings.METRICS_TOKEN,
        authorization=request.headers.get("Authorization", ""),
        remote_addr=client_ip(request),
        open_to_all=settings.METRICS_PUBLIC,
    ):
        raise Http404  # business figures are not for the public; say nothing about why
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
