"""The dashboard's wallets panel: balances at a glance, linking to the wallets home."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from apps.wallets import selectors
from bankcore.portal import panels


def render(request: HttpRequest) -> str | None:
    wallets = selectors.wallets_of_customer(customer_id=int(request.user.pk))  # type: ignore[arg-type]
    if not wallets:
        return None
    return render_to_string("wallets/_panel.html", {"wallets": wallets}, request=request)


def register() -> None:
    panels.register("wallets", title="Wallets", empty="You have no wallets yet.", order=20, render=render)
