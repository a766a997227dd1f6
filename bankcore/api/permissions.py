"""Who may call a partner endpoint: a valid OAuth2 token carrying the view's scopes."""

from __future__ import annotations

from typing import Any

from oauth2_provider.contrib.rest_framework import TokenHasScope
from oauth2_provider.models import AccessToken
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class IsPartner(BasePermission):
    """Any valid client-credentials token (no particular scope)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        return isinstance(token, AccessToken) and token.is_valid()


class PartnerHasScopes(TokenHasScope):  # type: ignore[misc]  # untyped library base
    """A valid token with every scope in the view's ``required_scopes``."""
