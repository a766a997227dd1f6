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


class PartnerRefused(DomainError):
    """The partner cannot be registered as asked; ``code`` says why."""

    code = "partner_refused"


@dataclass(frozen=True)
class PartnerCredentials:
    application_id: int
    client_id: str
    client_secret: str  # shown once: only its hash is stored


@transaction.atomic
def partner_create(*, name: str, scopes: list[str]) -> PartnerCredentials:
    """Register a partner with exactly ``scopes``; returns the credentials (the secret only now)."""
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
    PartnerGrant.objects.create(application=application, scopes=" ".join(sorted(set(scopes))))
    return PartnerCredentials(application_id=application.pk, client_id=application.client_id, client_secret=secret)
