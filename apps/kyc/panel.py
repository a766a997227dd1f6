"""The KYC panel on the customer's dashboard: where their verification stands, and the way on."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from apps.kyc import wizard
from bankcore.portal import panels


def render(request: HttpRequest) -> str:
    progress = wizard.progress(customer_id=int(request.user.pk))  # type: ignore[arg-type]
    return render_to_string("kyc/_panel.html", {"progress": progress}, request=request)


def register() -> None:
    panels.register(
        "kyc", title="Identity verification", empty="Verify your identity to move money.", order=5, render=render
    )
