"""Pages that belong to no bounded context: landing, dashboard, profile and the security page."""

from __future__ import annotations

import base64
from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcore.portal import panels
from bankcore.portal.qr import qr_data_uri
from bankcore.sca import services as sca
from bankcore.users import selectors, services
from bankcore.users.forms import OTPTokenForm, ProfileForm


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: in production the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    shown = [(panel, panel.render(request) if panel.render else None) for panel in panels.panels()]
    enrolled = services.second_factor_enrolled(user_id=request.user.pk)  # type: ignore[arg-type]
    return render(request, "portal/dashboard.html", {"panels": shown, "enrolled": enrolled})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name})
    if request.method == "POST" and form.is_valid():
        services.user_profile_update(user_id=user.pk, full_name=form.cleaned_data["full_name"])
        messages.success(request, "Profile saved.")
        return HttpResponseRedirect(reverse("portal:profile"))
    return render(request, "portal/profile.html", {"form": form})


def _security_context(request: HttpRequest) -> dict[str, Any]:
    user_id: int = request.user.pk  # type: ignore[assignment]
    return {
        "devices": selectors.devices_list(user_id=user_id),
        "has_totp": selectors.totp_confirmed(user_id=user_id),
        "enrolled": services.second_factor_enrolled(user_id=user_id),
        "logins": selectors.recent_logins(user_id=user_id),
        "sessions": services.sessions_active(user_id=user_id),
        "current_session": request.session.session_key,
        "token_form": OTPTokenForm(),
    }


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/security.html", _security_context(request))


def _confirm_with_current_factor(request: HttpRequest, *, action: str, details: dict[str, Any]) -> bool:
    """Changing the second factor is itself a sensitive action: the current factor approves it."""
    user_id: int = request.user.pk  # type: ignore[assignment]
    if not services.second_factor_enrolled(user_id=user_id):
        return True
    try:
        sca.challenge_confirm(
            user_id=user_id,
            action=action,
            details=details,
            otp_token=request.POST.get("current_token", ""),
            now=timezone.now(),
        )
    except sca.ChallengeRefused as refused:
        messages.error(request, f"{refused} Enter a current code from your app or a backup code.")
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if selectors.totp_confirmed(user_id=user.pk):
        messages.info(request, "Your authenticator app is already set up; remove it first to replace it.")
        return HttpResponseRedirect(reverse("portal:security"))
    device = selectors.totp_pending(user_id=user.pk)
    if request.method == "GET" or device is None:
        device = selectors.totp_pending(user_id=user.pk, device_id=services.totp_device_begin(user_id=user.pk))
        assert device is not None  # just created, in this request
    form = OTPTokenForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and _confirm_with_current_factor(request, action="device_add", details={"type": "totp"})
    ):
        try:
            confirmed = services.totp_device_confirm(
                user_id=user.pk, device_id=device.pk, token=form.cleaned_data["token"], now=timezone.now()
            )
        except services.SecondFactorRefused as refused:
            form.add_error("token", str(refused))
        else:
            django_otp.login(request, confirmed)  # this session is verified by the new device
            messages.success(request, "Two-factor authentication is on. Keep backup codes somewhere safe.")
            return HttpResponseRedirect(reverse("portal:security"))
    context = {
        "form": form,
        "qr": qr_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
        "enrolled": services.second_factor_enrolled(user_id=user.pk),
    }
    return render(request, "portal/totp_enrol.html", context)


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not _confirm_with_current_factor(request, action="backup_codes", details={"type": "static"}):
        return HttpResponseRedirect(reverse("portal:security"))
    device, codes = services.backup_codes_generate(user_id=user.pk, now=timezone.now())
    if not user.is_verified():
        django_otp.login(request, device)
    return render(request, "portal/backup_codes.html", {"codes": codes})


@login_required
@require_POST
def device_remove(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    persistent_id = request.POST.get("device", "")
    if _confirm_with_current_factor(request, action="device_remove", details={"device": persistent_id}):
        try:
            services.device_remove(user_id=user.pk, persistent_id=persistent_id, now=timezone.now())
        except services.SecondFactorRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "Device removed.")
    return HttpResponseRedirect(reverse("portal:security"))


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.sessions_revoke_all(user_id=request.user.pk, now=timezone.now())  # type: ignore[arg-type]
    logout(request)
    messages.success(request, "You are signed out on every device.")
    return HttpResponseRedirect(reverse("account_login"))
