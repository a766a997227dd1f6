"""Partners (OAuth2 applications with a grant), their tokens, and consents customers gave them."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.settings import oauth2_settings

from apps.accounts.services import products
from apps.kyc import services as kyc_services
from bankcore.api import services as partner_services
from bankcore.api.models import Consent, PartnerGrant, WebhookDelivery
from bankcore.api.webhooks import webhook_endpoint_create
from bankcore.events.services import outbox_relay
from tests.apps.payments.batch_factories import business
from tests.apps.payments.factories import Payer, payer
from tests.bankcore.users.factories import UserFactory

ALL_SCOPES = "accounts:read payments:read payments:write wallets:read wallets:write"
CREATED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class ApplicationFactory(DjangoModelFactory[Application]):
    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"Partner {n}")
    client_type = Application.CLIENT_CONFIDENTIAL
    authorization_grant_type = Application.GRANT_CLIENT_CREDENTIALS
    skip_authorization = True


class PartnerGrantFactory(DjangoModelFactory[PartnerGrant]):
    """A partner; ``acting_for`` is the business customer it acts for (None by default)."""

    class Meta:
        model = PartnerGrant

    application = factory.SubFactory(ApplicationFactory)
    scopes = ALL_SCOPES
    acting_for = None
    credentials_issued_at = CREATED_AT  # a partner whose secret was issued: it may get tokens


class AccessTokenFactory(DjangoModelFactory[AccessToken]):
    """A live client-credentials token of a partner (no user, as the token endpoint issues them)."""

    class Meta:
        model = AccessToken

    application = factory.SubFactory(ApplicationFactory)
    user = None
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(30))
    scope = ALL_SCOPES
    expires = factory.LazyFunction(lambda: datetime.now(UTC) + timedelta(hours=1))


class AccountConsentFactory(DjangoModelFactory[Consent]):
    """A valid recurring account-access consent for account 1, balances and transactions, 4 reads a day."""

    class Meta:
        model = Consent

    application = factory.SubFactory(ApplicationFactory)
    customer = factory.SubFactory(UserFactory)
    kind = Consent.Kind.ACCOUNT_ACCESS
    status = Consent.Status.VALID
    account_ids = factory.LazyFunction(lambda: [1])
    balances = True
    transactions = True
    valid_until = date(2027, 1, 31)
    frequency_per_day = 4
    recurring = True
    created_at = CREATED_AT
    status_changed_at = CREATED_AT
    approved_at = CREATED_AT
    approved_by = Consent.ApprovedBy.SCA


class PaymentConsentFactory(AccountConsentFactory):
    """A valid single-payment consent: 25.00 EUR from account 1 to a German IBAN."""

    kind = Consent.Kind.PAYMENT
    account_ids = factory.LazyFunction(list)
    balances = False
    transactions = False
    valid_until = date(2026, 11, 3)
    frequency_per_day = 1
    recurring = False
    source_account_id = 1
    amount_minor = 2500
    currency = "EUR"
    creditor_name = "Muster GmbH"
    creditor_iban = "DE89370400440532013000"
    reference = "Invoice 42"


@dataclass(frozen=True)
class SandboxLike:
    """What ``sandbox_partner`` makes, built from factories (the demo seeders take too long for a test)."""

    client_id: str
    client_secret: str
    application_id: int
    acme: Payer
    alice: Payer
    consent: Consent


def sandbox_like_partner() -> SandboxLike:
    """A partner holding every scope, acting for a funded business customer, with a customer's valid consent."""
    kyc_services.tiers_defaults_ensure()  # flushed away in transaction=True tests
    products.products_defaults_ensure()
    acme = business(balance="1000000.00", company="Acme Trading GmbH")  # as the real sandbox's acme
    alice = payer(balance="2500.00", full_name="Alice Example")
    created = partner_services.partner_create(
        name=f"sandbox {secrets.token_hex(4)}", scopes=sorted(oauth2_settings.SCOPES), acting_for_id=acme.user.pk
    )
    consent = AccountConsentFactory(
        application_id=created.application_id,
        customer=alice.user,
        account_ids=[alice.account.pk],
        valid_until=date.today() + timedelta(days=90),
    )
    return SandboxLike(
        client_id=created.client_id,
        client_secret=created.client_secret,
        application_id=created.application_id,
        acme=acme,
        alice=alice,
        consent=consent,
    )


def webhook_endpoint(application_id: int, name: str, event_types: list[str]) -> int:
    """An enabled endpoint of the partner for these event types (nothing listens at its address)."""
    return webhook_endpoint_create(
        application_id=application_id, url=f"http://127.0.0.1:9/{name}", event_types=event_types, now=timezone.now()
    ).endpoint.id


def deliveries_after_relay() -> dict[int, list[tuple[str, dict[str, object]]]]:
    """Relay the outbox, then every delivery so far by endpoint: (event type, the body's data)."""
    outbox_relay(now=timezone.now() + timedelta(seconds=1))
    out: dict[int, list[tuple[str, dict[str, object]]]] = {}
    for delivery in WebhookDelivery.objects.order_by("id"):
        out.setdefault(delivery.endpoint_id, []).append((delivery.event_type, json.loads(delivery.body)["data"]))
    return out


class WebhookDeliveryFactory(DjangoModelFactory[WebhookDelivery]):
    """A delivery of a ``consent.approved`` event to ``endpoint`` (required), waiting to be sent."""

    class Meta:
        model = WebhookDelivery

    event_id = factory.Faker("uuid4")
    event_type = "consent.approved"
    body = "{}"
    created_at = CREATED_AT
    next_attempt_at = CREATED_AT
