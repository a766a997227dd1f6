"""The login stage that asks for a one-time password once the user has a confirmed device.

The user is not logged in (no authenticated session exists) until the stage is passed.
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device


class SecondFactorStage(LoginStage):  # type: ignore[misc]  # untyped base
    key = "bankcore_second_factor"
    urlname = "otp_verify"

    def handle(self) -> tuple[HttpResponse | None, bool]:
        user: Any = self.login.user
        if user is None or not user_has_device(user):
            return None, True
        return HttpResponseRedirect(reverse(self.urlname)), True
