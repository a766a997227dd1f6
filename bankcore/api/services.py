"""Partners: OAuth2 client-credentials applications and the scopes granted to them.

The commands' doors (``partner_create``, the sandbox); the back office's full lifecycle, with who
and why, is ``bankcore.api.partners``.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from bankcore.api import partners
from bankcore.api.models import PartnerGrant
from bankcore.api.partners import PartnerCredentials, PartnerRefused

__all__ = ["PartnerCredentials", "PartnerRefused", "partner_acting_for_set", "partner_create"]

COMMAND_REASON = "from the command line"


def partner_create(*, name: str, scopes: list[str], acting_for_id: int | None = None) -> PartnerCredentials:
    """Register a partner with exactly ``scopes``; returns the credentials (the secret only now).

    ``acting_for_id`` is the business customer (a user id) the partner acts for: it reaches that
    customer's own objects without a consent and pays from them as a secure corporate process.
    Refused: ``name_required``, ``unknown_scope``, ``scopes_required``, ``duplicate_partner``,
    ``customer_unknown``.
    """
    _, credentials = partners.partner_register(
        name=name,
        scopes=scopes,
        acting_for_id=acting_for_id,
        actor_id=None,
        reason=COMMAND_REASON,
        now=timezone.now(),
        issue_credentials=True,
    )
    assert credentials is not None
    return credentials


@transaction.atomic
def partner_acting_for_set(*, application_id: int, customer_id: int | None) -> None:
    """Make the partner act for ``customer_id`` (None: for nobody). Recorded in the partner's log."""
    grant_id = PartnerGrant.objects.filter(application_id=application_id).values_list("pk", flat=True).first()
    if grant_id is None:
        raise PartnerRefused("No such partner.", code="partner_unknown")
    partners.partner_acting_for_change(
        grant_id=grant_id, customer_id=customer_id, actor_id=None, reason=COMMAND_REASON, now=timezone.now()
    )
