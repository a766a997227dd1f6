"""Defence in depth: a session of a user with a second factor must have been verified with it.

The login stage is the normal path; this catches any other way of creating a session (a password
reset, a future login path) and ends it rather than let it through half-authenticated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        if user.is_authenticated and not user.is_verified() and user_has_device(user):
            logout(request)
            return HttpResponseRedirect(reverse("account_login"))
        return self.get_response(request)
