"""Partner authentication: an OAuth2 bearer token, and a clear refusal when the one sent is no good."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.request import Request

from bankcore.api import partners


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = "Invalid or expired token"
    default_code = "invalid_token"


class PartnerTokenAuthentication(OAuth2Authentication):  # type: ignore[misc]  # untyped library base
    """OAuth2 bearer tokens. A token that is sent but unknown, expired or revoked is refused as such.

    The library returns "no credentials" for a bad token, so the partner would read "credentials
    were not provided" while sending one, and the next authenticator (the session) would be tried.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None and request.headers.get("Authorization", "").lower().startswith("bearer "):
            raise InvalidToken()
        if result is not None:
            token = result[1]
            application_id = getattr(token, "application_id", None)
            # Suspending or revoking deletes the tokens; this also refuses one minted in that very moment.
            if application_id is not None and not partners.partner_may_authenticate(application_id=application_id):
                raise InvalidToken()
        return result  # type: ignore[no-any-return]


class PartnerTokenScheme(DjangoOAuthToolkitScheme):  # type: ignore[no-untyped-call]  # untyped library base
    """The schema describes these tokens exactly as the library's (registered when this loads)."""

    target_class = "bankcore.api.authentication.PartnerTokenAuthentication"
