"""The second step of login: the one-time password, once a device exists."""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStageController
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY

from bankcore.users import lockout, services
from bankcore.users.forms import OTPTokenForm
from bankcore.users.stages import SecondFactorStage


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("portal:dashboard"))
    stage: Any = LoginStageController.enter(request, SecondFactorStage.key)
    if stage is None:
        return HttpResponseRedirect(reverse("account_login"))
    user = stage.login.user
    if not lockout.login_allowed(request, email=user.email):
        stage.abort()
        return lockout.lockout_response(request)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device_id = services.login_second_factor_verify(
            user_id=user.pk, token=form.cleaned_data["token"], now=timezone.now()
        )
        if device_id is not None:
            # Remembered in the session now; the login that follows keeps the session's data.
            request.session[DEVICE_ID_SESSION_KEY] = device_id
            return stage.exit()  # type: ignore[no-any-return]
        # Counted by django-axes against the account like a wrong password; audited as a refused code.
        user_login_failed.send(sender=__name__, credentials={"username": user.email, "stage": "otp"}, request=request)
        if getattr(request, "axes_locked_out", False):
            stage.abort()
            return lockout.lockout_response(request)
        form.add_error("token", "That code is not right. Check your app, or use a backup code.")
    return render(request, "account/otp_verify.html", {"form": form})
