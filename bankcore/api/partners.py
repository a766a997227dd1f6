"""Partner organisations in the back office: created, given credentials, rotated, revoked, suspended.

Every change names who made it and why (``PartnerAction``, never changed) besides the grant's own
history. Credentials are the OAuth2 application's client secret: django-oauth-toolkit keeps only
its hash, so a secret is shown once, in the answer of the call that made it. Revoking, rotating,
suspending or narrowing the scopes deletes the partner's tokens in the same transaction, so the
next API call with one is a 401; ``PartnerOAuth2Validator`` refuses a suspended or revoked client
at ``/o/token/`` (``invalid_client``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.settings import oauth2_settings

from bankcore.api.models import PartnerAction, PartnerGrant
from bankcore.errors import DomainError
from bankcore.text import NameRefused, name_clean
from bankcore.users.models import User

Action = PartnerAction.Action


class PartnerRefused(DomainError):
    """The partner cannot be registered or changed as asked; ``code`` says why."""

    code = "partner_refused"


@dataclass(frozen=True)
class PartnerCredentials:
    application_id: int
    client_id: str
    client_secret: str  # shown once: only its hash is stored


def _reason(reason: str) -> str:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise PartnerRefused("Say why.", code="reason_required")
    return cleaned[:500]


def _scopes(scopes: list[str]) -> str:
    unknown = sorted(set(scopes) - set(oauth2_settings.SCOPES))
    if unknown:
        raise PartnerRefused(f"Unknown scope(s): {', '.join(unknown)}.", code="unknown_scope")
    if not scopes:
        raise PartnerRefused("Grant at least one scope.", code="scopes_required")
    return " ".join(sorted(set(scopes)))


def _customer(customer_id: int | None) -> int | None:
    if customer_id is not None and not User.objects.filter(pk=customer_id, is_active=True, is_staff=False).exists():
        raise PartnerRefused("A partner acts for an active customer.", code="customer_unknown")
    return customer_id


def _locked(grant_id: int) -> PartnerGrant:
    grant = PartnerGrant.objects.select_for_update().select_related("application").filter(pk=grant_id).first()
    if grant is None:
        raise PartnerRefused("No such partner.", code="partner_unknown")
    return grant


def _log(grant: PartnerGrant, action: str, *, actor_id: int | None, reason: str, now: datetime, **details: Any) -> None:
    PartnerAction.objects.create(grant=grant, action=action, actor_id=actor_id, reason=reason, details=details, at=now)


def _tokens_revoke(application_id: int) -> int:
    # Client-credentials grants have no refresh tokens; deleting the access tokens ends every session.
    deleted, _ = AccessToken.objects.filter(application_id=application_id).delete()
    return int(deleted)


def _secret_set(application: Application) -> str:
    secret = secrets.token_urlsafe(40)
    application.client_secret = secret  # hashed on save (hash_client_secret)
    application.hash_client_secret = True
    application.save(update_fields=["client_secret", "hash_client_secret", "updated"])
    return secret


@transaction.atomic
def partner_register(
    *,
    name: str,
    scopes: list[str],
    contact_email: str = "",
    acting_for_id: int | None = None,
    actor_id: int | None,
    reason: str,
    now: datetime,
    issue_credentials: bool = False,
) -> tuple[int, PartnerCredentials | None]:
    """Register a partner organisation; returns (grant id, credentials if ``issue_credentials``).

    Without ``issue_credentials`` the partner has a client id and no usable secret until
    ``partner_credentials_issue``. Refused: ``reason_required``, ``name_required``,
    ``unknown_scope``, ``scopes_required``, ``duplicate_partner``, ``customer_unknown``.
    """
    why = _reason(reason)
    try:
        name = name_clean(name)
    except NameRefused as refused:
        raise PartnerRefused(str(refused), code=refused.code) from None
    if not name:
        raise PartnerRefused("A partner needs a name.", code="name_required")
    granted = _scopes(scopes)
    _customer(acting_for_id)
    if Application.objects.filter(name=name).exists():
        raise PartnerRefused(f"A partner named {name!r} exists already.", code="duplicate_partner")
    secret = secrets.token_urlsafe(40)  # never shown unless issued now: nobody knows it
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=True,
    )
    grant = PartnerGrant.objects.create(
        application=application,
        scopes=granted,
        acting_for_id=acting_for_id,
        contact_email=contact_email.strip().lower(),
        credentials_issued_at=now if issue_credentials else None,
        created_at=now,
    )
    _log(grant, Action.CREATED, actor_id=actor_id, reason=why, now=now, scopes=granted, acting_for_id=acting_for_id)
    if not issue_credentials:
        return grant.pk, None
    _log(grant, Action.CREDENTIALS_ISSUED, actor_id=actor_id, reason=why, now=now)
    return grant.pk, PartnerCredentials(application.pk, application.client_id, secret)


@transaction.atomic
def partner_credentials_issue(*, grant_id: int, actor_id: int | None, reason: str, now: datetime) -> PartnerCredentials:
    """A new client secret (returned only now); the old one and every token stop working at once.

    The first issue, a re-issue after a revocation and a rotation are the same act; the log says which.
    Refused: ``reason_required``, ``partner_unknown``.
    """
    why = _reason(reason)
    grant = _locked(grant_id)
    action = Action.CREDENTIALS_ROTATED if grant.credentials_issued_at is not None else Action.CREDENTIALS_ISSUED
    secret = _secret_set(grant.application)
    revoked = _tokens_revoke(grant.application_id)
    grant.credentials_issued_at = now
    grant.credentials_revoked_at = None
    grant._change_reason = why  # type: ignore[attr-defined]  # django-simple-history's field
    grant.save(update_fields=["credentials_issued_at", "credentials_revoked_at"])
    _log(grant, action, actor_id=actor_id, reason=why, now=now, tokens_revoked=revoked)
    return PartnerCredentials(grant.application_id, grant.application.client_id, secret)


@transaction.atomic
def partner_credentials_revoke(*, grant_id: int, actor_id: int | None, reason: str, now: datetime) -> int:
    """No secret works any more and every token is revoked now; returns how many tokens. Idempotent.

    Refused: ``reason_required``, ``partner_unknown``.
    """
    why = _reason(reason)
    grant = _locked(grant_id)
    _secret_set(grant.application)  # a secret nobody knows: the old one cannot be replayed
    revoked = _tokens_revoke(grant.application_id)
    if grant.credentials_issued_at is not None:
        grant.credentials_issued_at = None
        grant.credentials_revoked_at = now
        grant._change_reason = why  # type: ignore[attr-defined]
        grant.save(update_fields=["credentials_issued_at", "credentials_revoked_at"])
    _log(grant, Action.CREDENTIALS_REVOKED, actor_id=actor_id, reason=why, now=now, tokens_revoked=revoked)
    return revoked


@transaction.atomic
def partner_suspend(*, grant_id: int, actor_id: int | None, reason: str, now: datetime) -> int:
    """Refuse the partner every token from now on (its tokens are revoked); returns how many. Reversible.

    Refused: ``reason_required``, ``partner_unknown``, ``already_suspended``.
    """
    why = _reason(reason)
    grant = _locked(grant_id)
    if grant.status == PartnerGrant.Status.SUSPENDED:
        raise PartnerRefused("The partner is suspended already.", code="already_suspended")
    grant.status = PartnerGrant.Status.SUSPENDED
    grant._change_reason = why  # type: ignore[attr-defined]
    grant.save(update_fields=["status"])
    revoked = _tokens_revoke(grant.application_id)
    _log(grant, Action.SUSPENDED, actor_id=actor_id, reason=why, now=now, tokens_revoked=revoked)
    return revoked


@transaction.atomic
def partner_unsuspend(*, grant_id: int, actor_id: int | None, reason: str, now: datetime) -> None:
    """Let the partner get tokens again with its existing secret. Refused: ``reason_required``,
    ``partner_unknown``, ``not_suspended``."""
    why = _reason(reason)
    grant = _locked(grant_id)
    if grant.status != PartnerGrant.Status.SUSPENDED:
        raise PartnerRefused("The partner is not suspended.", code="not_suspended")
    grant.status = PartnerGrant.Status.ACTIVE
    grant._change_reason = why  # type: ignore[attr-defined]
    grant.save(update_fields=["status"])
    _log(grant, Action.UNSUSPENDED, actor_id=actor_id, reason=why, now=now)


@transaction.atomic
def partner_scopes_set(*, grant_id: int, scopes: list[str], actor_id: int | None, reason: str, now: datetime) -> int:
    """Grant exactly ``scopes``; tokens carrying a scope taken away are revoked (returns how many).

    Refused: ``reason_required``, ``partner_unknown``, ``unknown_scope``, ``scopes_required``.
    """
    why = _reason(reason)
    grant = _locked(grant_id)
    granted = _scopes(scopes)
    removed = set(grant.scope_list) - set(granted.split())
    stale = [
        token.pk
        for token in AccessToken.objects.filter(application_id=grant.application_id).only("pk", "scope")
        if removed & set(token.scope.split())
    ]
    AccessToken.objects.filter(pk__in=stale).delete()
    before = grant.scopes
    grant.scopes = granted
    grant._change_reason = why  # type: ignore[attr-defined]
    grant.save(update_fields=["scopes"])
    _log(grant, Action.SCOPES_SET, actor_id=actor_id, reason=why, now=now, before=before, after=granted)
    return len(stale)


@transaction.atomic
def partner_acting_for_change(
    *, grant_id: int, customer_id: int | None, actor_id: int | None, reason: str, now: datetime
) -> None:
    """Make the partner act for ``customer_id`` (None: for nobody).

    Refused: ``reason_required``, ``partner_unknown``, ``customer_unknown``.
    """
    why = _reason(reason)
    grant = _locked(grant_id)
    before = grant.acting_for_id
    grant.acting_for_id = _customer(customer_id)
    grant._change_reason = why  # type: ignore[attr-defined]
    grant.save(update_fields=["acting_for"])
    _log(grant, Action.ACTING_FOR_SET, actor_id=actor_id, reason=why, now=now, before=before, after=customer_id)


def partner_may_authenticate(*, application_id: int) -> bool:
    """Whether a client may get or use a token: a partner that is active with issued credentials.

    An OAuth2 application that is no partner is left to the library (the API refuses it anyway).
    """
    grant = PartnerGrant.objects.filter(application_id=application_id).only("status", "credentials_issued_at").first()
    return grant is None or grant.may_authenticate
