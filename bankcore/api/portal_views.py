"""The customer's side of consents: review and approve (with the code) or refuse, list and revoke.

Thin: each POST calls one service. Approving checks the code first, on its own (``challenge_confirm``
commits a wrong code whatever happens next), then ``consent_approve`` consumes that approval in its
own transaction. Another customer's consent does not exist here (404).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcore.api import consents
from bankcore.api.consents import ConsentView
from bankcore.api.models import Consent
from bankcore.sca import services as sca
from bankcore.users.forms import code_field


class ConsentDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
    otp_token = code_field("Code from your authenticator app", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "approve" and not cleaned.get("otp_token"):
            self.add_error("otp_token", "Enter the code to approve.")
        return cleaned


def _own(request: HttpRequest, consent_id: uuid.UUID) -> Consent:
    consent = (
        Consent.objects.select_related("application").filter(public_id=consent_id, customer_id=request.user.pk).first()
    )
    if consent is None:
        raise Http404
    return consent


def _lines(consent: Consent) -> list[tuple[str, str]]:
    view = consents.consent_view(consent)
    lines = [("Partner", consent.application.name)]
    if view.kind == Consent.Kind.PAYMENT and view.amount is not None:
        lines += [
            ("Payment of", view.amount.format()),
            ("To", f"{view.creditor_name} · {view.creditor_iban}"),
            ("Reference", view.reference or "—"),
        ]
    else:
        reads = [k for k, on in (("balances", view.balances), ("transactions", view.transactions)) if on]
        lines += [
            ("Accounts", str(len(view.account_ids))),
            ("May read", ", ".join(["account details", *reads])),
            ("Until", view.valid_until.isoformat()),
            ("Reads a day", str(view.frequency_per_day) if view.recurring else "once"),
        ]
    return lines


@login_required
@require_http_methods(["GET", "POST"])
def consent_review(request: HttpRequest, consent_id: uuid.UUID) -> HttpResponse:
    consent = _own(request, consent_id)
    form = ConsentDecisionForm(request.POST or None)
    user_id: int = request.user.pk  # type: ignore[assignment]
    if request.method == "POST" and form.is_valid() and consent.status == Consent.Status.RECEIVED:
        now = timezone.now()
        try:
            if form.cleaned_data["decision"] == "refuse":
                consents.consent_reject(consent_id=consent.pk, customer_id=user_id, now=now)
                messages.success(request, "You refused the consent.")
            else:
                details = consents.consent_challenge_details(consent_id=consent.pk, customer_id=user_id)
                challenge_id = sca.challenge_confirm(
                    user_id=user_id,
                    action=consents.consent_challenge_action(kind=consent.kind),
                    details=details,
                    otp_token=form.cleaned_data["otp_token"],
                    now=now,
                )
                consents.consent_approve(consent_id=consent.pk, customer_id=user_id, challenge_id=challenge_id, now=now)
                messages.success(request, f"{consent.application.name} now has your consent.")
            return HttpResponseRedirect(reverse("consents:list"))
        except (sca.ChallengeRefused, consents.ConsentRefused) as refused:
            form.add_error("otp_token" if isinstance(refused, sca.ChallengeRefused) else None, str(refused))
    return render(
        request,
        "api/consent_review.html",
        {"consent": consent, "lines": _lines(consent), "form": form, "open": consent.status == Consent.Status.RECEIVED},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def consent_list(request: HttpRequest) -> HttpResponse:
    found: list[ConsentView] = consents.consents_of_customer(customer_id=request.user.pk)  # type: ignore[arg-type]
    names = dict(Consent.objects.filter(customer_id=request.user.pk).values_list("pk", "application__name"))
    rows = [(c, names.get(c.id, "")) for c in found]
    return render(request, "api/consents.html", {"rows": rows, "open_statuses": list(consents.OPEN_STATUSES)})


@login_required
@require_POST
def consent_revoke(request: HttpRequest, consent_id: uuid.UUID) -> HttpResponse:
    consent = _own(request, consent_id)
    try:
        consents.consent_revoke(consent_id=consent.pk, customer_id=request.user.pk, now=timezone.now())  # type: ignore[arg-type]
        messages.success(request, f"{consent.application.name} no longer has your consent.")
    except consents.ConsentRefused as refused:
        messages.error(request, str(refused))
    return HttpResponseRedirect(reverse("consents:list"))
