"""Partners: OAuth2 client-credentials applications and the scopes granted to them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings

from bankcore.api.models import PartnerGrant
from bankcore.errors import DomainError
from bankcore.text import NameRefused, name_clean
from bankcore.users.models import User


class PartnerRefused(DomainError):
    """The partner cannot be registered as asked; ``code`` says why."""

    code = "partner_refused"


@dataclass(frozen=True)
class PartnerCredentials:
    application_id: int
    client_id: str
    client_secret: str  # shown once: only its hash is stored


@transaction.atomic
def partner_create(*, name: str, scopes: list[str], acting_for_id: int | None = None) -> PartnerCredentials:
    """Register a partner with exactly ``scopes``; returns the credentials (the secret only now).

    ``acting_for_id`` is the business customer (a user id) the partner acts for: it reaches that
    customer's own objects without a consent and pays from them as a secure corporate process.
    Refused: ``name_required``, ``unknown_scope``, ``scopes_required``, ``duplicate_partner``,
    ``customer_unknown``.
    """
    try:
        name = name_clean(name)
    except NameRefused as refused:
        raise PartnerRefused(str(refused), code=refused.code) from None
    if not name:
        raise PartnerRefused("A partner needs a name.", code="name_required")
    unknown = sorted(set(scopes) - set(oauth2_settings.SCOPES))
    if unknown:
        raise PartnerRefused(f"Unknown scope(s): {', '.join(unknown)}.", code="unknown_scope")
    if not scopes:
        raise PartnerRefused("Grant at least one scope.", code="scopes_required")
    if acting_for_id is not None and not User.objects.filter(pk=acting_for_id, is_active=True, is_staff=False).exists():
        raise PartnerRefused("A partner acts for an active customer.", code="customer_unknown")
    if Application.objects.filter(name=name).exists():
        raise PartnerRefused(f"A partner named {name!r} exists already.", code="duplicate_partner")
    secret = secrets.token_urlsafe(40)
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=True,
    )
    PartnerGrant.objects.create(
        application=application, scopes=" ".join(sorted(set(scopes))), acting_for_id=acting_for_id
    )
    return PartnerCredentials(application_id=application.pk, client_id=application.client_id, client_secret=secret)


@transaction.atomic
def partner_acting_for_set(*, application_id: int, customer_id: int | None) -> None:
    """Make the partner act for ``customer_id`` (None: for nobody). Recorded in the grant's history."""
    grant = PartnerGrant.objects.select_for_update().filter(application_id=application_id).first()
    if grant is None:
        raise PartnerRefused("No such partner.", code="partner_unknown")
    if customer_id is not None and not User.objects.filter(pk=customer_id, is_active=True, is_staff=False).exists():
        raise PartnerRefused("A partner acts for an active customer.", code="customer_unknown")
    grant.acting_for_id = customer_id
    grant.save(update_fields=["acting_for"])
