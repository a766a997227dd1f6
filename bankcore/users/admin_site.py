"""The back office: staff reach it only with a verified second factor; staff without one enrol first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite


class BankAdminSite(OTPAdminSite):  # type: ignore[misc]  # untyped base
    site_header = "bankcore back office"
    site_title = "bankcore back office"
    index_title = "Back office"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """One login for everyone: the portal's, which asks for the second factor and is rate-limited by axes."""
        user: Any = request.user
        next_url = request.GET.get("next") or reverse("admin:index")
        if not next_url.startswith("/admin/"):
            next_url = reverse("admin:index")  # never redirect off the back office from here
        if user.is_authenticated and user.is_staff and not user_has_device(user):
            messages.warning(
                request,
                "Set up two-factor authentication before using the back office: "
                "ask an administrator for an enrolment token.",
            )
            return HttpResponseRedirect(reverse("portal:security"))
        if user.is_authenticated:
            if user.is_staff and user.is_verified():
                return HttpResponseRedirect(next_url)
            messages.error(request, "Your account has no access to the back office.")
            return HttpResponseRedirect(reverse("portal:dashboard"))
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
