"""Partners may request only the scopes granted to them, and only scopes the bank knows."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings


class PartnerScopes(BaseScopes):  # type: ignore[misc]  # untyped library base
    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        known = set(self.get_all_scopes())
        grant = getattr(application, "partner_grant", None) if application is not None else None
        if grant is None:
            return [] if application is not None else sorted(known)
        return [scope for scope in grant.scope_list if scope in known]

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> list[str]:
        # Asking for no scope yields every granted one: least surprise for a partner's first call.
        return self.get_available_scopes(application=application, request=request)
