"""Pages that belong to no bounded context: landing, dashboard, profile and the security page."""

from __future__ import annotations

import base64
from typing import Any

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from allauth.account.views import EmailView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import DEVICE_ID_SESSION_KEY

from bankcore.portal import panels
from bankcore.portal import services as security_services
from bankcore.portal.qr import qr_data_uri
from bankcore.sca import services as sca
from bankcore.users import selectors, services
from bankcore.users.forms import BackupCodesForm, DeviceRemoveForm, ProfileForm, TotpEnrolForm


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
        "sessions": selectors.sessions_active(user_id=user_id),
        "current_session": request.session.session_key,
        "backup_form": BackupCodesForm(),
    }


REFUSED = (sca.ChallengeRefused, services.SecondFactorRefused)


@login_required
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/security.html", _security_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if selectors.totp_confirmed(user_id=user.pk):
        messages.info(request, "Your authenticator app is already set up; remove it first to replace it.")
        return HttpResponseRedirect(reverse("portal:security"))
    if request.method == "POST" and "begin" in request.POST:
        services.totp_device_begin(user_id=user.pk)
        return HttpResponseRedirect(reverse("portal:totp_enrol"))
    device = selectors.totp_pending(user_id=user.pk)
    form = TotpEnrolForm(
        request.POST if request.method == "POST" and device is not None else None,
        needs_current=services.second_factor_enrolled(user_id=user.pk),
        needs_enrolment_token=services.totp_enrolment_needs_token(user_id=user.pk),
    )
    if device is not None and form.is_valid():
        try:
            persistent_id = security_services.totp_enrol_confirm(
                user_id=user.pk,
                device_id=device.pk,
                token=form.cleaned_data["token"],
                current_token=form.cleaned_data.get("current_token", ""),
                enrolment_token=form.cleaned_data.get("enrolment_token", ""),
                now=timezone.now(),
            )
        except sca.ChallengeRefused as refused:
            form.add_error("current_token", str(refused))
        except services.SecondFactorRefused as refused:
            form.add_error("enrolment_token" if refused.code == "enrolment_token_invalid" else "token", str(refused))
        else:
            # The session is verified by the device it has just proven; backup codes never do this.
            request.session[DEVICE_ID_SESSION_KEY] = persistent_id
            messages.success(request, "Two-factor authentication is on. Keep backup codes somewhere safe.")
            return HttpResponseRedirect(reverse("portal:security"))
    context: dict[str, Any] = {"form": form, "device": device}
    if device is not None:
        context |= {"qr": qr_data_uri(device.config_url), "secret": base64.b32encode(device.bin_key).decode()}
    response = render(request, "portal/totp_enrol.html", context)
    add_never_cache_headers(response)  # the page shows a secret key
    return response


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = BackupCodesForm(request.POST)
    if not selectors.totp_confirmed(user_id=user.pk):
        messages.error(request, "Set up an authenticator app first: backup codes stand in for it when it is lost.")
        return HttpResponseRedirect(reverse("portal:security"))
    if not form.is_valid():
        messages.error(request, "Enter a current code from your app to make new backup codes.")
        return HttpResponseRedirect(reverse("portal:security"))
    try:
        codes = security_services.backup_codes_renew(
            user_id=user.pk, current_token=form.cleaned_data["current_token"], now=timezone.now()
        )
    except REFUSED as refused:
        messages.error(request, f"{refused} Enter a current code from your app or a backup code.")
        return HttpResponseRedirect(reverse("portal:security"))
    response = render(request, "portal/backup_codes.html", {"codes": codes})
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def device_remove(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    owned = [device.persistent_id for device in selectors.devices_list(user_id=user.pk)]
    form = DeviceRemoveForm(request.POST, device_ids=owned)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return HttpResponseRedirect(reverse("portal:security"))
    try:
        security_services.device_remove(
            user_id=user.pk,
            persistent_id=form.cleaned_data["device"],
            current_token=form.cleaned_data["current_token"],
            now=timezone.now(),
        )
    except REFUSED as refused:
        messages.error(request, f"{refused} Enter a current code from your app or a backup code.")
    else:
        messages.success(request, "Device removed.")
    return HttpResponseRedirect(reverse("portal:security"))


@method_decorator(sensitive_post_parameters("otp_token"), name="dispatch")
class EmailChangeView(EmailView):  # type: ignore[misc]  # untyped base
    """allauth's e-mail page, with the change made by one service that also checks the second factor."""

    def form_valid(self, form: Any) -> HttpResponse:
        raise_if_reauthentication_required(self.request, app="allauth.account")
        try:
            email = security_services.email_change_request(
                request=self.request,
                user_id=self.request.user.pk,
                email=form.cleaned_data["email"],
                otp_token=form.cleaned_data.get("otp_token") or "",
                now=timezone.now(),
            )
        except sca.ChallengeRefused as refused:
            form.add_error("otp_token", str(refused))
            return self.form_invalid(form)  # type: ignore[no-any-return]
        messages.info(self.request, f"We sent a link to {email}. Your address changes once you open it.")
        return HttpResponseRedirect(self.get_success_url())


email_change = EmailChangeView.as_view()


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.sessions_revoke_all(user_id=request.user.pk, now=timezone.now())  # type: ignore[arg-type]
    logout(request)
    messages.success(request, "You are signed out on every device.")
    return HttpResponseRedirect(reverse("account_login"))
