"""The inbox pages of the portal (thin: one service or selector call each)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcore.notifications import selectors, services
from bankcore.notifications.forms import PreferencesForm


def _customer(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    return render(
        request,
        "notifications/inbox.html",
        {
            "items": selectors.inbox_list(customer_id=customer_id),
            "unread": selectors.unread_count(customer_id=customer_id),
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        services.notification_mark_read(
            customer_id=_customer(request), notification_id=notification_id, now=timezone.now()
        )
    except services.NotificationNotFound:
        raise Http404("no such notification") from None
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(customer_id=_customer(request), now=timezone.now())
    messages.success(request, f"{count} marked as read." if count else "Nothing was unread.")
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    customer_id = _customer(request)
    form = PreferencesForm(request.POST or None, preferences=selectors.preferences_list(customer_id=customer_id))
    if request.method == "POST" and form.is_valid():
        services.preferences_set(customer_id=customer_id, email=form.email_choices(), now=timezone.now())
        messages.success(request, "Notification preferences saved.")
        return HttpResponseRedirect(reverse("notifications:preferences"))
    return render(request, "notifications/preferences.html", {"form": form})
