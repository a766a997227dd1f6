"""Reusable access checks for tests: who may open which URL.

Every later feature proves its pages and endpoints with these, so the rules stay uniform:

- anonymous: portal pages redirect to the login page, API endpoints answer 401 (or 403 when the
  authentication class cannot challenge);
- another customer: objects they don't own answer 404, never 403 (no hint that the object exists).

    from bankcore.testing.access import assert_access, login_verified

    def test_statement_is_private(client, alice, bob, alice_statement):
        assert_access(client, f"/app/accounts/statements/{alice_statement.pk}/", owner=alice, other=bob)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN_PATH = "/accounts/login/"


def login_verified(client: Client, user: Any) -> None:
    """Log ``user`` in as after a full two-factor login (a TOTP device is created if needed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test device", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _request(client: Client, method: str, url: str, data: dict[str, Any] | None, api: bool) -> Any:
    kwargs: dict[str, Any] = {}
    if api:
        kwargs["content_type"] = "application/json"
        kwargs["HTTP_ACCEPT"] = "application/json"
    call = getattr(client, method.lower())
    return call(url, data or ({} if method.upper() != "GET" else None), **kwargs)


def assert_anonymous_refused(client: Client, url: str, *, method: str = "GET", api: bool = False) -> None:
    """Anonymous: a portal page redirects to the login page (with ``next``), an API endpoint says 401/403."""
    client.logout()
    response = _request(client, method, url, None, api)
    if api:
        assert response.status_code in (401, 403), f"{method} {url}: anonymous got {response.status_code}"
    else:
        assert response.status_code == 302, f"{method} {url}: anonymous got {response.status_code}"
        assert response["Location"].startswith(LOGIN_PATH), f"{method} {url}: redirected to {response['Location']}"


def assert_access(
    client: Client,
    url: str,
    *,
    owner: Any,
    other: Any,
    method: str = "GET",
    data: dict[str, Any] | None = None,
    api: bool = False,
    ok: Iterable[int] = (200, 201, 204, 302),
) -> None:
    """``owner`` may use ``url``; ``other`` gets 404; anonymous is sent to log in (or 401 for the API).

    The owner's request runs last, so a POST that changes something changes it once, as the owner.
    """
    assert_anonymous_refused(client, url, method=method, api=api)
    login_verified(client, other)
    refused = _request(client, method, url, data, api)
    assert refused.status_code == 404, f"{method} {url}: another customer got {refused.status_code}, not 404"
    client.logout()
    login_verified(client, owner)
    allowed = _request(client, method, url, data, api)
    assert allowed.status_code in set(ok), f"{method} {url}: the owner got {allowed.status_code}"
    client.logout()


def assert_login_required(client: Client, urls: Iterable[str]) -> None:
    """Each page redirects an anonymous visitor to the login page."""
    for url in urls:
        assert_anonymous_refused(client, url)
