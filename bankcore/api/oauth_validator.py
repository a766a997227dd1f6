"""``/o/token/`` refuses a suspended partner, or one whose credentials were revoked, as ``invalid_client``."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from bankcore.api import partners


class PartnerOAuth2Validator(OAuth2Validator):  # type: ignore[misc]  # untyped library base
    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        # The library answers a False here with RFC 6749 §5.2's invalid_client (401), as for a wrong secret.
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        return partners.partner_may_authenticate(application_id=request.client.pk)
