"""Webhook targets and secrets: a name is resolved once per request and that address is the one used
(no DNS rebinding); private targets are refused under prod settings at creation and at delivery;
secrets are encrypted at rest and still verify; a disabled endpoint's partner is e-mailed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook

from bankcore import crypto, events
from bankcore.api import webhooks
from bankcore.api.models import WebhookDelivery, WebhookEndpoint
from bankcore.events.services import outbox_relay
from tests.bankcore.api.factories import PartnerGrantFactory
from tests.bankcore.api.webhook_server import Receiver, webhook_receiver
from tests.bankcore.users.factories import UserFactory

pytestmark = pytest.mark.django_db

SOON = timedelta(seconds=1)
TYPE = "test.target.done"

webhooks.webhook_event_type_register(
    TYPE,
    description="A test event about a customer's account.",
    subject=lambda p: webhooks.WebhookSubject(
        customer_id=p["customer_id"], account_id=1, access="balances", data={"n": p["n"]}
    ),
)


class Resolver:
    """Stands in for DNS: ``answers[name]`` is a list of addresses, one list per lookup in turn."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(host)
        turns = self.answers[host]
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[6 if ":" in a else 4], socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (a, int(port or 0)))
            for a in addresses
        ]


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def moment() -> datetime:
    return timezone.now()


def publish_one(grant: Any, moment: datetime, n: int = 1) -> None:
    events.publish(TYPE, {"customer_id": grant.acting_for_id, "n": n})
    outbox_relay(now=moment)


class TestPinnedAddress:
    def test_the_request_goes_to_the_address_resolved_once_with_the_names_host_header(
        self, resolver: Resolver, receiver: Receiver, moment: datetime
    ) -> None:
        port = receiver.url.split(":")[2].split("/")[0]
        # First lookup loopback (where the receiver is); any later lookup would point elsewhere.
        resolver.answers["hooks.partner.test"] = [["127.0.0.1"], ["192.0.2.1"]]
        grant = PartnerGrantFactory(acting_for=UserFactory())
        webhooks.webhook_endpoint_create(
            application_id=grant.application_id,
            url=f"http://hooks.partner.test:{port}/in?x=1",
            event_types=[TYPE],
            now=moment,
        )
        resolver.answers["hooks.partner.test"] = [["127.0.0.1"], ["192.0.2.1"]]  # as from now
        resolver.lookups.clear()
        publish_one(grant, moment)
        assert webhooks.webhook_deliveries_send(now=moment + SOON) == 1
        (sent,) = receiver.received
        assert {k.lower(): v for k, v in sent.headers.items()}["host"] == f"hooks.partner.test:{port}"
        assert resolver.lookups == ["hooks.partner.test"]  # one lookup per request, and it was used

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    def test_a_name_that_turns_private_after_the_check_is_not_called(
        self, resolver: Resolver, moment: datetime
    ) -> None:
        resolver.answers["rebind.partner.test"] = [["93.184.215.14"], ["127.0.0.1"]]
        grant = PartnerGrantFactory(acting_for=UserFactory())
        created = webhooks.webhook_endpoint_create(
            application_id=grant.application_id, url="https://rebind.partner.test/in", event_types=[TYPE], now=moment
        )
        publish_one(grant, moment)
        assert webhooks.webhook_deliveries_send(now=moment + SOON) == 0
        delivery = WebhookDelivery.objects.get(endpoint_id=created.endpoint.id)
        assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
            "pending",
            None,
            "webhook_url_private",
        )

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    @pytest.mark.parametrize(
        "addresses",
        [
            ["10.0.0.7"],
            ["93.184.215.14", "192.168.1.1"],  # one bad address among good ones is enough
            ["::ffff:127.0.0.1"],
            ["fe80::1"],
            ["224.0.0.1"],
            ["240.0.0.1"],
            ["100.64.0.1"],  # carrier-grade NAT: not global
            ["0.0.0.0"],  # noqa: S104  # the unspecified address, as a resolver answer
        ],
    )
    def test_under_prod_a_name_resolving_anywhere_private_is_refused_at_creation(
        self, resolver: Resolver, moment: datetime, addresses: list[str]
    ) -> None:
        resolver.answers["bad.partner.test"] = [addresses]
        with pytest.raises(webhooks.WebhookRefused) as refused:
            webhooks.webhook_endpoint_create(
                application_id=PartnerGrantFactory().application_id,
                url="https://bad.partner.test/in",
                event_types=[TYPE],
                now=moment,
            )
        assert refused.value.code == "webhook_url_private"
        assert not WebhookEndpoint.objects.exists()

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    def test_under_prod_a_public_https_name_is_accepted(self, resolver: Resolver, moment: datetime) -> None:
        resolver.answers["ok.partner.test"] = [["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]]
        created = webhooks.webhook_endpoint_create(
            application_id=PartnerGrantFactory().application_id,
            url="https://ok.partner.test/in",
            event_types=[TYPE],
            now=moment,
        )
        assert created.endpoint.status == "enabled"


class TestSecretsAtRest:
    def test_the_stored_secret_is_a_ciphertext_and_still_signs_verifiably(
        self, receiver: Receiver, moment: datetime
    ) -> None:
        grant = PartnerGrantFactory(acting_for=UserFactory())
        created = webhooks.webhook_endpoint_create(
            application_id=grant.application_id, url=receiver.url, event_types=[TYPE], now=moment
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret_encrypted FROM api_webhookendpoint WHERE id = %s", [created.endpoint.id])
            (stored,) = cursor.fetchone()
        assert created.secret not in stored
        assert crypto.decrypt_text(stored) == created.secret
        publish_one(grant, moment)
        webhooks.webhook_deliveries_send(now=moment + SOON)
        (sent,) = receiver.received
        headers = {k.lower(): v for k, v in sent.headers.items()}
        assert Webhook(created.secret).verify(sent.body, headers)["data"] == {"n": 1}

    def test_encryption_rotate_re_encrypts_both_secrets_with_the_newest_key(
        self, settings: Any, moment: datetime
    ) -> None:
        old_key, new_key = crypto.generate_key(), crypto.generate_key()
        settings.FIELD_ENCRYPTION_KEYS = [old_key]
        grant = PartnerGrantFactory()
        created = webhooks.webhook_endpoint_create(
            application_id=grant.application_id, url="https://partner.example/in", event_types=[TYPE], now=moment
        )
        new_secret = webhooks.webhook_secret_rotate(
            endpoint_id=created.endpoint.id, application_id=grant.application_id, now=moment
        )
        settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
        call_command("encryption_rotate")
        assert webhooks.webhook_secrets_encryption_rotate() == 0  # nothing left
        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped: everything still reads
        endpoint = WebhookEndpoint.objects.get(pk=created.endpoint.id)
        assert webhooks.endpoint_secret(endpoint) == new_secret
        assert crypto.decrypt_text(endpoint.previous_secret_encrypted) == created.secret


class TestDisabledEndpoint:
    def test_repeated_failure_disables_and_e_mails_the_partners_contact(
        self, moment: datetime, django_capture_on_commit_callbacks: Any
    ) -> None:
        grant = PartnerGrantFactory(acting_for=UserFactory(), contact_email="ops@partner.example")
        created = webhooks.webhook_endpoint_create(
            application_id=grant.application_id, url="http://127.0.0.1:9/in", event_types=[TYPE], now=moment
        )
        for n in range(webhooks.DISABLE_AFTER_FAILURES):
            events.publish(TYPE, {"customer_id": grant.acting_for_id, "n": n})
        outbox_relay(now=moment)
        WebhookDelivery.objects.update(attempts=len(webhooks.RETRY_SCHEDULE))  # each on its last try
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_deliveries_send(now=moment + SOON)
        endpoint = WebhookEndpoint.objects.get(pk=created.endpoint.id)
        assert endpoint.status == "disabled"
        (message,) = mail.outbox
        assert message.to == ["ops@partner.example"]
        assert str(endpoint.public_id) in message.body
        assert "failed in a row" in message.body
