"""The sandbox partner of DESIGN.md §5: a partner acting for the demo business customer ``acme``.

Outside production only. Makes sure the demo data exists (every app's seeder, idempotent), that
acme's EUR account holds at least 1,000,000.00 EUR (topped up from the bank's sandbox funding
account, a real ledger entry), that acme has a funded EUR wallet (the wallets app, registered
with ``sandbox_wallets_register``: it sits above this app and this app cannot import it), and
that the partner exists with every scope; then issues a fresh client secret (the old one and its
tokens stop working), and a fresh valid account-access consent of demo customer alice, ending
the one an earlier run handed out (whose reads of the day may be used up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings

from apps.accounts import interface as accounts
from bankcore import demo
from bankcore.api import consents
from bankcore.api import partners as lifecycle
from bankcore.api import services as partners
from bankcore.errors import DomainError
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount
from bankcore.money import Money
from bankcore.users.models import User

ACME = "acme@bankcore.localhost"
ALICE = "alice@bankcore.localhost"
PARTNER_NAME = "bankcore sandbox"
FUNDING_NAME = "Sandbox funding (not customer money)"
MINIMUM = Money.of("1000000.00", "EUR")
SANDBOX_REASON = "sandbox_partner issued a fresh sandbox secret"


class SandboxRefused(DomainError):
    code = "sandbox_refused"


class WalletsEnsure(Protocol):
    """Make sure the customer has a funded sandbox wallet; its wallets as ``{"id", "currency"}``."""

    def __call__(self, *, customer_id: int, now: datetime) -> list[dict[str, str]]: ...


_wallets_ensure: list[WalletsEnsure] = []


def sandbox_wallets_register(ensure: WalletsEnsure) -> None:
    """The wallets app's part of the sandbox (called from its ``AppConfig.ready``); the last one stands."""
    _wallets_ensure[:] = [ensure]


def _wallets(customer_id: int, now: datetime) -> list[dict[str, str]]:
    for ensure in _wallets_ensure:
        try:
            return ensure(customer_id=customer_id, now=now)
        except DomainError as refused:
            raise SandboxRefused(f"{ACME}'s sandbox wallet: {refused}", code=refused.code) from None
    return []


@dataclass(frozen=True)
class SandboxPartner:
    client_id: str
    client_secret: str
    scopes: list[str]
    accounts: list[dict[str, str]]
    consent_id: str | None
    wallets: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": self.scopes,
            "accounts": self.accounts,
            "consent_id": self.consent_id,
            "wallets": self.wallets,
        }


def _funding_account() -> int:
    found = LedgerAccount.objects.filter(name=FUNDING_NAME, currency="EUR").values_list("pk", flat=True).first()
    if found is not None:
        return int(found)
    return ledger.account_open(name=FUNDING_NAME, currency="EUR", allow_negative=True, kind=LedgerAccount.Kind.INTERNAL)


def _top_up(account: accounts.AccountRef) -> None:
    balance = ledger_read.balance(account_id=account.ledger_account_id)
    if balance >= MINIMUM:
        return
    missing = MINIMUM - balance
    # Keyed on the balance it tops up: running twice at the same balance posts once.
    ledger.transfer(
        from_account_id=_funding_account(),
        to_account_id=account.ledger_account_id,
        amount=missing,
        idempotency_key=f"sandbox-top-up:{account.id}:{balance.minor}",
        description="Sandbox balance",
    )


def _alice_consent(application_id: int, now: datetime) -> str | None:
    """A fresh valid account-access consent of demo customer alice to the partner (the earlier one ended)."""
    alice = User.objects.filter(email=ALICE).first()
    if alice is None:
        return None
    account_ids = [a.id for a in accounts.accounts_of_customer(customer_id=alice.pk, include_closed=False)]
    if not account_ids:
        return None
    granted = consents.consent_sandbox_grant(
        application_id=application_id, customer_id=alice.pk, account_ids=account_ids, now=now
    )
    return str(granted.public_id)


def sandbox_partner_ensure(*, now: datetime) -> SandboxPartner:
    """Make the sandbox partner ready and issue it a fresh secret; refused in production."""
    if not demo.allowed():
        raise SandboxRefused("The sandbox partner exists only outside production.", code="sandbox_not_allowed")
    for _name, seeder in demo.seeders():
        seeder()
    acme = User.objects.filter(email=ACME).first()
    if acme is None:
        raise SandboxRefused(f"The demo business customer {ACME} does not exist.", code="acme_missing")
    own = [a for a in accounts.accounts_of_customer(customer_id=acme.pk, include_closed=False) if a.may_send]
    eur = [a for a in own if a.currency == "EUR"]
    if not eur:
        raise SandboxRefused(f"{ACME} has no EUR account that can pay.", code="acme_has_no_account")
    scopes = sorted(oauth2_settings.SCOPES)
    with transaction.atomic():
        _top_up(eur[0])
        wallets = _wallets(acme.pk, now)
        application = Application.objects.filter(name=PARTNER_NAME).first()
        if application is None:
            created = partners.partner_create(name=PARTNER_NAME, scopes=scopes, acting_for_id=acme.pk)
            client_id, secret = created.client_id, created.client_secret
            application_id = created.application_id
        else:
            partners.partner_acting_for_set(application_id=application.pk, customer_id=acme.pk)
            grant = application.partner_grant
            grant.scopes = " ".join(scopes)
            grant.save(update_fields=["scopes"])
            # Through the lifecycle services, so a sandbox partner that staff revoked or suspended
            # works again, and the log says who brought it back.
            if grant.status == grant.Status.SUSPENDED:
                lifecycle.partner_unsuspend(grant_id=grant.pk, actor_id=None, reason=SANDBOX_REASON, now=now)
            issued = lifecycle.partner_credentials_issue(
                grant_id=grant.pk, actor_id=None, reason=SANDBOX_REASON, now=now
            )
            client_id, secret = issued.client_id, issued.client_secret
            application_id = application.pk
        consent_id = _alice_consent(application_id, now)
    return SandboxPartner(
        client_id=client_id,
        client_secret=secret,
        scopes=scopes,
        accounts=[{"id": accounts.account_wire_id(a.id), "iban": a.iban, "currency": a.currency} for a in own],
        consent_id=consent_id,
        wallets=wallets,
    )
