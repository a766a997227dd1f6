"""The base of every context's partner endpoints: who is calling, and what does not exist for them.

A context's ``api/views.py`` stays thin::

    from bankcore.api.partner import PartnerApiView
    from bankcore.api.idempotency import IDEMPOTENCY_HEADER_PARAMETER, idempotent

    class AccountBalancesApi(PartnerApiView):
        required_scopes = ["accounts:read"]

        def get(self, request, account_id):
            account = accounts.account_get(account_id=...)          # None when unknown
            self.require_visible(customer_id=account and account.customer_id,
                                 account_id=account and account.id, access="balances")
            ...                                                       # 404 above if not visible

    class PaymentCreateApi(PartnerApiView):
        required_scopes = ["payments:write"]

        @extend_schema(parameters=[IDEMPOTENCY_HEADER_PARAMETER], ...)
        @idempotent
        def post(self, request):
            customer_id = self.acting_for_id_or_404()                 # a partner acting for nobody: 404
            ...service(..., idempotency_key=request.idempotency_key)...

``require_visible`` asks ``bankcore.api.visibility.partner_may_see`` (the one rule) and, for a read
allowed by a consent rather than by acting-for, counts it against the consent's
``frequency_per_day`` (429 with ``Retry-After`` beyond it). Everything not visible is a 404
problem+json, the same as an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from bankcore.api import consents, visibility
from bankcore.api.authentication import PartnerTokenAuthentication
from bankcore.api.permissions import PartnerHasScopes
from bankcore.api.visibility import PartnerRef


class ConsentFrequencyExceeded(exceptions.Throttled):
    default_detail = "The consent's reads for today are used up."
    default_code = "access_frequency_exceeded"


def request_partner(request: Request) -> PartnerRef | None:
    """The partner whose valid token made the request, or None (no token, a session, not a partner)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, AccessToken) or token.application_id is None:
        return None
    return visibility.partner_get(application_id=token.application_id)


def request_acting_for_id(request: Request) -> int | None:
    """The business customer the requesting token's partner acts for, or None."""
    partner = request_partner(request)
    return partner.acting_for_id if partner is not None else None


class PartnerApiView(APIView):
    """An endpoint for partners: a valid token with ``required_scopes``, and 404 for what is not theirs."""

    # Tokens only: a portal session is no partner, so the API answers it 401 like no credentials.
    authentication_classes = [PartnerTokenAuthentication]
    permission_classes = [PartnerHasScopes]
    required_scopes: list[str] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        partner = request_partner(request)
        if partner is None:
            # A token of an OAuth2 application that is no partner (none exist today): not ours.
            raise exceptions.PermissionDenied("This token belongs to no partner.")
        self.partner: PartnerRef = partner

    def now(self) -> datetime:
        return timezone.now()

    def acting_for_id_or_404(self) -> int:
        """The partner's business customer; a partner acting for nobody has no own objects (404)."""
        if self.partner.acting_for_id is None:
            raise exceptions.NotFound()
        return self.partner.acting_for_id

    def is_visible(self, *, customer_id: int | None, account_id: int | None, access: str) -> bool:
        """``partner_may_see`` for this request's partner, without counting a read."""
        if customer_id is None:
            return False
        return visibility.partner_may_see(
            application_id=self.partner.application_id,
            customer_id=customer_id,
            account_id=account_id,
            access=access,
            now=self.now(),
        )

    def require_visible(
        self, *, customer_id: int | None, account_id: int | None, access: str, count: bool = True
    ) -> None:
        """Raise 404 unless the partner may see it; count a consent-based read (429 beyond the day's reads).

        Pass ``customer_id=None`` for an object that does not exist: the answer is the same 404.
        ``count=False`` for checks that are not reads of account data (a payment's status).
        """
        if not self.is_visible(customer_id=customer_id, account_id=account_id, access=access):
            raise exceptions.NotFound()
        assert customer_id is not None
        if not count or customer_id == self.partner.acting_for_id or access not in consents.ACCOUNT_READS:
            return
        assert account_id is not None  # visible by consent only with an account
        now = self.now()
        consent_id = visibility.partner_consent_covering(
            application_id=self.partner.application_id,
            customer_id=customer_id,
            account_id=account_id,
            access=access,
            now=now,
        )
        if consent_id is None:  # revoked between the two reads
            raise exceptions.NotFound()
        try:
            consents.consent_access_record(consent_id=consent_id, account_id=account_id, access=access, now=now)
        except consents.AccessFrequencyExceeded as exceeded:
            raise ConsentFrequencyExceeded(wait=exceeded.retry_after_seconds, detail=str(exceeded)) from None
