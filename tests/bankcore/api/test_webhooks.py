"""Webhooks: signed per Standard Webhooks (checked by the independent package), fanned out by the visibility
rule, retried as rows, disabled by 410 or lasting failure."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bankcore import events
from bankcore.api import webhooks
from bankcore.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from bankcore.events.models import OutboxEvent
from bankcore.events.services import outbox_relay
from tests.bankcore.api.factories import AccountConsentFactory, PartnerGrantFactory
from tests.bankcore.api.webhook_server import Receiver, webhook_receiver
from tests.bankcore.users.factories import UserFactory

pytestmark = pytest.mark.django_db

# Deliveries are due from their event's creation, a moment after the test's ``moment``.
SOON = timedelta(seconds=1)

# A context's event, declared as a context would in its AppConfig.ready().
webhooks.webhook_event_type_register(
    "test.thing.done",
    description="A thing of a customer's account was done.",
    subject=lambda p: webhooks.WebhookSubject(
        customer_id=p["customer_id"], account_id=p["account_id"], access="balances", data={"thing": p["public"]}
    ),
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def moment() -> datetime:
    return timezone.now()  # the verifying library checks timestamps against the real clock


def endpoint_for(application_id: int, url: str, types: list[str], now: datetime) -> webhooks.WebhookEndpointCreated:
    return webhooks.webhook_endpoint_create(application_id=application_id, url=url, event_types=types, now=now)


def headers_of(received: object) -> dict[str, str]:
    return {k.lower(): v for k, v in received.headers.items()}  # type: ignore[attr-defined]


class TestEndpoints:
    def test_secret_is_whsec_with_at_least_24_random_bytes(self, moment: datetime) -> None:
        grant = PartnerGrantFactory()
        created = endpoint_for(grant.application_id, "https://partner.example/hooks", ["consent.approved"], moment)
        assert created.secret.startswith("whsec_")
        assert len(base64.b64decode(created.secret.removeprefix("whsec_"))) >= 24
        other = endpoint_for(grant.application_id, "https://partner.example/hooks", ["consent.approved"], moment)
        assert other.secret != created.secret

    @pytest.mark.parametrize(
        ("url", "types", "code"),
        [
            ("ftp://partner.example/x", ["consent.approved"], "webhook_url_invalid"),
            ("https://partner.example/x", ["no.such.event"], "webhook_event_type_unknown"),
            ("https://partner.example/x", [], "webhook_event_types_required"),
        ],
    )
    def test_bad_endpoints_are_refused(self, moment: datetime, url: str, types: list[str], code: str) -> None:
        with pytest.raises(webhooks.WebhookRefused) as caught:
            endpoint_for(PartnerGrantFactory().application_id, url, types, moment)
        assert caught.value.code == code
        assert not WebhookEndpoint.objects.exists()

    def test_a_partner_has_a_bounded_number_of_endpoints(self, moment: datetime) -> None:
        grant, other = PartnerGrantFactory(), PartnerGrantFactory()
        for n in range(webhooks.ENDPOINTS_PER_PARTNER):
            endpoint_for(grant.application_id, f"https://partner.example/{n}", ["consent.approved"], moment)
        with pytest.raises(webhooks.WebhookRefused) as caught:
            endpoint_for(grant.application_id, "https://partner.example/one-more", ["consent.approved"], moment)
        assert caught.value.code == "webhook_endpoints_limit"
        assert WebhookEndpoint.objects.filter(application_id=grant.application_id).count() == 16
        endpoint_for(other.application_id, "https://other.example/h", ["consent.approved"], moment)  # its own count

    @override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
    @pytest.mark.parametrize(
        ("url", "code"),
        [
            ("http://93.184.215.14/hooks", "webhook_url_insecure"),
            ("https://127.0.0.1/hooks", "webhook_url_private"),
            ("https://10.1.2.3/hooks", "webhook_url_private"),
            ("https://[::1]/hooks", "webhook_url_private"),
            ("https://169.254.169.254/latest", "webhook_url_private"),
            ("https://localhost/hooks", "webhook_url_private"),
        ],
    )
    def test_under_prod_only_public_https_targets(self, moment: datetime, url: str, code: str) -> None:
        with pytest.raises(webhooks.WebhookRefused) as caught:
            endpoint_for(PartnerGrantFactory().application_id, url, ["consent.approved"], moment)
        assert caught.value.code == code


class TestFanOut:
    def test_a_consent_event_goes_to_its_own_partner_only(self, moment: datetime) -> None:
        consent = AccountConsentFactory()
        mine = PartnerGrantFactory(application=consent.application)
        theirs = PartnerGrantFactory()
        endpoint_for(mine.application_id, "https://mine.example/h", ["consent.revoked"], moment)
        endpoint_for(theirs.application_id, "https://theirs.example/h", ["consent.revoked"], moment)
        endpoint_for(mine.application_id, "https://mine.example/other", ["consent.approved"], moment)  # not subscribed
        from bankcore.api import consents

        consents.consent_revoke(consent_id=consent.pk, customer_id=consent.customer_id, now=moment)
        outbox_relay(now=moment)
        delivery = WebhookDelivery.objects.get()
        assert delivery.endpoint.url == "https://mine.example/h"
        body = json.loads(delivery.body)
        assert body["type"] == "consent.revoked"
        assert body["data"] == {
            "consent_id": str(consent.public_id),
            "kind": "account_access",
            "status": "revokedByPsu",
        }
        assert set(body) == {"id", "type", "created_at", "data"}

    def test_an_account_event_goes_to_partners_that_may_see_it(self, moment: datetime) -> None:
        business = UserFactory()
        acting = PartnerGrantFactory(acting_for=business)
        stranger = PartnerGrantFactory()
        consented = AccountConsentFactory(customer=business, account_ids=[4], balances=True)
        consented.valid_until = moment.date() + timedelta(days=30)
        consented.save()
        with_consent = PartnerGrantFactory(application=consented.application)
        for grant in (acting, stranger, with_consent):
            endpoint_for(grant.application_id, f"https://p{grant.pk}.example/h", ["test.thing.done"], moment)
        events.publish("test.thing.done", {"customer_id": business.pk, "account_id": 4, "public": "th_1"})
        outbox_relay(now=moment)
        outbox_relay(now=moment)  # a second relay run adds nothing
        got = set(WebhookDelivery.objects.values_list("endpoint__application_id", flat=True))
        assert got == {acting.application_id, with_consent.application_id}

    def test_fan_out_twice_writes_each_delivery_once(self, moment: datetime) -> None:
        grant = PartnerGrantFactory(acting_for=UserFactory())
        endpoint_for(grant.application_id, "https://p.example/h", ["test.thing.done"], moment)
        event_id = events.publish(
            "test.thing.done", {"customer_id": grant.acting_for_id, "account_id": 1, "public": "x"}
        )
        payload = OutboxEvent.objects.get(event_id=event_id).payload
        assert webhooks.webhook_deliveries_create(event_id=event_id, event_type="test.thing.done", payload=payload) == 1
        assert webhooks.webhook_deliveries_create(event_id=event_id, event_type="test.thing.done", payload=payload) == 0


def deliver_one(receiver: Receiver, moment: datetime, types: list[str] | None = None) -> tuple[WebhookEndpoint, str]:
    grant = PartnerGrantFactory(acting_for=UserFactory())
    created = endpoint_for(grant.application_id, receiver.url, types or ["test.thing.done"], moment)
    events.publish("test.thing.done", {"customer_id": grant.acting_for_id, "account_id": 1, "public": "th_9"})
    outbox_relay(now=moment)
    return WebhookEndpoint.objects.get(pk=created.endpoint.id), created.secret


class TestDelivery:
    def test_signed_as_the_independent_library_verifies(self, receiver: Receiver, moment: datetime) -> None:
        _, secret = deliver_one(receiver, moment)
        assert webhooks.webhook_deliveries_send(now=moment + SOON) == 1
        (sent,) = receiver.received
        verified = Webhook(secret).verify(sent.body, headers_of(sent))
        assert verified["data"] == {"thing": "th_9"}
        assert headers_of(sent)["webhook-id"] == verified["id"]
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
        assert WebhookAttempt.objects.get().status_code == 200
        assert webhooks.webhook_deliveries_send(now=moment + SOON) == 0  # nothing due any more

    def test_relay_outbox_sends_the_due_deliveries_too(
        self, receiver: Receiver, moment: datetime, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from django.core.management import call_command

        _, secret = deliver_one(receiver, moment)
        call_command("relay_outbox")
        assert "webhook deliveries sent: 1" in capsys.readouterr().out
        (sent,) = receiver.received
        assert Webhook(secret).verify(sent.body, headers_of(sent))["data"] == {"thing": "th_9"}

    def test_a_forged_or_tampered_message_fails_verification(self, receiver: Receiver, moment: datetime) -> None:
        _, secret = deliver_one(receiver, moment)
        webhooks.webhook_deliveries_send(now=moment + SOON)
        (sent,) = receiver.received
        with pytest.raises(WebhookVerificationError):
            Webhook(webhooks.secret_generate()).verify(sent.body, headers_of(sent))
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(sent.body.replace(b"th_9", b"th_8"), headers_of(sent))

    def test_rotation_signs_with_both_secrets_during_the_overlap(self, receiver: Receiver, moment: datetime) -> None:
        endpoint, old = deliver_one(receiver, moment)
        new = webhooks.webhook_secret_rotate(
            endpoint_id=endpoint.pk, application_id=endpoint.application_id, now=moment
        )
        webhooks.webhook_deliveries_send(now=moment + SOON)
        (sent,) = receiver.received
        assert len(headers_of(sent)["webhook-signature"].split(" ")) == 2
        Webhook(old).verify(sent.body, headers_of(sent))
        Webhook(new).verify(sent.body, headers_of(sent))
        endpoint.refresh_from_db()
        after = webhooks.webhook_headers(
            endpoint=endpoint, msg_id="m", body="{}", now=moment + webhooks.ROTATION_OVERLAP + timedelta(seconds=1)
        )
        assert len(after["webhook-signature"].split(" ")) == 1

    def test_failures_are_retried_with_backoff_then_given_up(self, receiver: Receiver, moment: datetime) -> None:
        deliver_one(receiver, moment)
        receiver.statuses = [500] * 20
        at = moment + SOON
        for attempt, wait in enumerate(webhooks.RETRY_SCHEDULE, start=1):
            assert webhooks.webhook_deliveries_send(now=at) == 0
            delivery = WebhookDelivery.objects.get()
            assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("pending", attempt, at + wait)
            assert webhooks.webhook_deliveries_send(now=at + wait - timedelta(seconds=1)) == 0  # not due yet
            at += wait
        webhooks.webhook_deliveries_send(now=at)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("failed", len(webhooks.RETRY_SCHEDULE) + 1)
        assert sum(webhooks.RETRY_SCHEDULE, timedelta()) > timedelta(days=2, hours=23)
        assert WebhookAttempt.objects.count() == len(webhooks.RETRY_SCHEDULE) + 1
        assert len(receiver.received) == len(webhooks.RETRY_SCHEDULE) + 1

    def test_410_disables_the_endpoint_and_tells_the_partner(self, receiver: Receiver, moment: datetime) -> None:
        endpoint, _ = deliver_one(receiver, moment)
        receiver.statuses = [410]
        webhooks.webhook_deliveries_send(now=moment + SOON)
        endpoint.refresh_from_db()
        assert endpoint.status == "disabled"
        assert WebhookDelivery.objects.get().status == "failed"
        assert OutboxEvent.objects.filter(name="webhook_endpoint.disabled").count() == 1

    def test_repeated_failure_disables_the_endpoint(self, moment: datetime) -> None:
        grant = PartnerGrantFactory(acting_for=UserFactory())
        # Nothing listens on this port: every attempt fails to connect.
        created = endpoint_for(grant.application_id, "http://127.0.0.1:9/hooks", ["test.thing.done"], moment)
        for n in range(webhooks.DISABLE_AFTER_FAILURES):
            events.publish("test.thing.done", {"customer_id": grant.acting_for_id, "account_id": 1, "public": str(n)})
        outbox_relay(now=moment)
        WebhookDelivery.objects.update(attempts=len(webhooks.RETRY_SCHEDULE))  # each on its last try
        webhooks.webhook_deliveries_send(now=moment + SOON)
        endpoint = WebhookEndpoint.objects.get(pk=created.endpoint.id)
        assert endpoint.status == "disabled"
        assert "failed in a row" in endpoint.disabled_reason
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}

    def test_redelivery_sends_again_on_request_of_the_owner_only(self, receiver: Receiver, moment: datetime) -> None:
        endpoint, secret = deliver_one(receiver, moment)
        webhooks.webhook_deliveries_send(now=moment + SOON)
        delivery = WebhookDelivery.objects.get()
        with pytest.raises(webhooks.WebhookNotFound):
            webhooks.webhook_delivery_redeliver(
                delivery_public_id=delivery.public_id, application_id=PartnerGrantFactory().application_id, now=moment
            )
        webhooks.webhook_delivery_redeliver(
            delivery_public_id=delivery.public_id, application_id=endpoint.application_id, now=moment
        )
        assert webhooks.webhook_deliveries_send(now=moment + SOON) == 1
        first, second = receiver.received
        assert headers_of(first)["webhook-id"] == headers_of(second)["webhook-id"]  # the same message
        Webhook(secret).verify(second.body, headers_of(second))


def documented_verify() -> Any:
    """The verification snippet of docs/PARTNER_API.md, run as it is printed."""
    text = (settings.BASE_DIR / "docs" / "PARTNER_API.md").read_text()
    code = text.split("Verifying without a library")[1].split("```python\n")[1].split("```")[0]
    namespace: dict[str, Any] = {}
    exec(compile(code, "PARTNER_API.md", "exec"), namespace)  # noqa: S102  # our own documentation
    return namespace["verify"]


class TestDocumentedSnippet:
    def test_accepts_ours_and_refuses_forged_stale_and_replayed(self, receiver: Receiver, moment: datetime) -> None:
        verify = documented_verify()
        endpoint, secret = deliver_one(receiver, moment)
        webhooks.webhook_deliveries_send(now=moment + SOON)
        (sent,) = receiver.received
        seen: set[str] = set()
        verify(secret, headers_of(sent), sent.body, seen)
        with pytest.raises(ValueError, match="replayed"):
            verify(secret, headers_of(sent), sent.body, seen)
        with pytest.raises(ValueError, match="bad signature"):
            verify(webhooks.secret_generate(), headers_of(sent), sent.body, set())
        stale = webhooks.webhook_headers(
            endpoint=endpoint, msg_id="m-1", body=sent.body.decode(), now=moment - timedelta(minutes=6)
        )
        with pytest.raises(ValueError, match="stale"):
            verify(secret, stale, sent.body, set())
