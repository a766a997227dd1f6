"""Partner webhooks per Standard Webhooks: endpoints, signed deliveries, retries as database rows.

- **Catalogue.** A context declares each public event type once, in its ``AppConfig.ready()``::

      webhooks.webhook_event_type_register(
          "payment.settled", description="A payment reached the creditor's bank.",
          subject=lambda p: webhooks.WebhookSubject(customer_id=p["customer_id"], account_id=p["account_id"],
                                                   access="payments", data={"payment_id": p["public_id"], ...}),
      )

  ``subject`` turns the internal outbox payload into who the event is about (for the visibility
  rule) and the public ``data`` (API ids and fields only, never internal ids). Returning None
  sends the event to nobody.
- **Fan-out.** Registering subscribes a handler to the outbox event: when the relay dispatches it,
  one ``WebhookDelivery`` row is written for every enabled endpoint subscribed to the type whose
  partner may see the subject (``partner_may_see``, the API's own rule), once per endpoint and event.
- **Delivery.** ``webhook_deliveries_send`` (beat task on the ``webhooks`` queue every 10 s, and
  ``manage.py webhooks_deliver``) takes due rows with a lease, POSTs the stored body with
  ``webhook-id`` (the event id, the same on every retry), ``webhook-timestamp`` and
  ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` — two signatures while a
  rotated secret's overlap lasts. 2xx delivers; 410 Gone disables the endpoint; anything else is
  retried after ``RETRY_SCHEDULE`` (about three days in all), then given up; after
  ``DISABLE_AFTER_FAILURES`` given-up deliveries in a row the endpoint is disabled and the
  ``webhook_endpoint.disabled`` event tells the partner. Every request is logged (``WebhookAttempt``).
- **Targets.** Under prod settings (``WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False``) a URL must be
  https and resolve to public addresses only, checked when saved and again before each request.
  Each request resolves the name once, checks that address and connects to it (the URL's host
  stays in ``Host`` and in TLS SNI and certificate checks), so a name cannot pass the check with a
  public address and be sent to a private one (DNS rebinding).
- **Secrets at rest** are encrypted with ``bankcore.crypto`` (the bank signs with them, so they
  cannot be hashed); ``manage.py encryption_rotate`` re-encrypts them with the newest key.
- **Disabled.** The partner is told by the ``webhook_endpoint.disabled`` event on its other
  endpoints and by e-mail to its contact address; the endpoint's ``status`` says it in the API.

Verifying on the partner's side (the ``standardwebhooks`` package, or the docs' snippet)::

    from standardwebhooks import Webhook
    payload = Webhook("whsec_...").verify(request_body, request_headers)   # raises when forged or stale
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from bankcore import crypto, events
from bankcore.api import visibility
from bankcore.api.models import PartnerGrant, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from bankcore.errors import DomainError
from bankcore.events.models import OutboxEvent
from bankcore.paging import Page, keyset_page

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105  # the Standard Webhooks prefix, not a secret
SECRET_BYTES = 32  # Standard Webhooks asks for at least 24
ROTATION_OVERLAP = timedelta(hours=24)
# Waits after the 1st, 2nd … failed attempt: about three days before giving up (71 h 35 min 5 s).
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=20),
)
DISABLE_AFTER_FAILURES = 5
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = (3.05, 10)  # connect, read
MAX_EVENT_TYPES = 50


class WebhookRefused(DomainError):
    """The webhook endpoint or delivery cannot be changed as asked; ``code`` says why."""

    code = "webhook_refused"


class WebhookInputInvalid(WebhookRefused):
    """The endpoint as sent cannot be used (its URL, its event types): corrected, it may be sent again."""

    input_error = True


class WebhookNotFound(WebhookRefused):
    """No such endpoint or delivery for this partner."""

    status_code = 404
    code = "webhook_not_found"


@dataclass(frozen=True)
class WebhookSubject:
    """Whom an event is about and what the partner is told.

    ``customer_id``/``account_id``/``access`` go through ``partner_may_see``; ``application_id``
    instead sends the event only to that partner (a consent's events go to its own partner).
    """

    data: dict[str, Any]
    customer_id: int | None = None
    account_id: int | None = None
    access: str = "accounts"
    application_id: int | None = None


Subject = Callable[[dict[str, Any]], WebhookSubject | None]


@dataclass(frozen=True)
class EventType:
    name: str
    description: str
    subject: Subject


_catalogue: dict[str, EventType] = {}


@dataclass(frozen=True)
class WebhookEndpointView:
    id: int
    public_id: uuid.UUID
    application_id: int
    url: str
    event_types: tuple[str, ...]
    description: str
    status: str
    disabled_reason: str
    created_at: datetime


@dataclass(frozen=True)
class WebhookEndpointCreated:
    endpoint: WebhookEndpointView
    secret: str  # shown once at creation and at rotation


def _view(endpoint: WebhookEndpoint) -> WebhookEndpointView:
    return WebhookEndpointView(
        id=endpoint.pk,
        public_id=endpoint.public_id,
        application_id=endpoint.application_id,
        url=endpoint.url,
        event_types=tuple(endpoint.event_types),
        description=endpoint.description,
        status=endpoint.status,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_at,
    )


# --- catalogue -----------------------------------------------------------------------------------


def webhook_event_type_register(name: str, *, description: str, subject: Subject) -> None:
    """Declare a public event type and subscribe its fan-out to the outbox event of that name."""
    _catalogue[name] = EventType(name=name, description=description, subject=subject)

    def webhook_fan_out(event_id: str, payload: dict[str, Any]) -> None:
        webhook_deliveries_create(event_id=event_id, event_type=name, payload=payload)

    events.subscribe(name, webhook_fan_out)


def webhook_event_types() -> dict[str, str]:
    """The catalogue: event type → description, sorted."""
    return {name: _catalogue[name].description for name in sorted(_catalogue)}


# --- signing -------------------------------------------------------------------------------------


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_sign(*, secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``"{msg_id}.{timestamp}.{body}"`` with the secret's key bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(*, endpoint: WebhookEndpoint, msg_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers; two signatures while a rotated secret's overlap lasts."""
    timestamp = int(now.timestamp())
    signatures = [webhook_sign(secret=endpoint_secret(endpoint), msg_id=msg_id, timestamp=timestamp, body=body)]
    previous = crypto.decrypt_text(endpoint.previous_secret_encrypted)
    if previous and endpoint.previous_secret_expires_at and now < endpoint.previous_secret_expires_at:
        signatures.append(webhook_sign(secret=previous, msg_id=msg_id, timestamp=timestamp, body=body))
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
        "user-agent": "bankcore-webhooks/1",
    }


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The endpoint's current signing secret, decrypted."""
    return crypto.decrypt_text(endpoint.secret_encrypted)


def webhook_secrets_encryption_rotate(*, batch: int = 500) -> int:
    """Re-encrypt every endpoint's secrets with the newest key; returns the rows changed. Safe to run again."""
    changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(WebhookEndpoint.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch])
            for endpoint in rows:
                fields = [
                    name
                    for name in ("secret_encrypted", "previous_secret_encrypted")
                    if crypto.needs_rotation(getattr(endpoint, name))
                ]
                for name in fields:
                    setattr(endpoint, name, crypto.rotate_text(getattr(endpoint, name)))
                if fields:
                    endpoint.skip_history_when_saving = True  # type: ignore[attr-defined]  # secrets stay out of it
                    endpoint.save(update_fields=fields)
                    del endpoint.skip_history_when_saving  # type: ignore[attr-defined]
                    changed += 1
        if len(rows) < batch:
            return changed
        last_pk = rows[-1].pk


# --- endpoints -----------------------------------------------------------------------------------


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", True))


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_multicast
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class Target:
    """Where one request goes: the URL's parts and the one address it was resolved to and checked."""

    scheme: str
    hostname: str
    port: int
    path: str  # with the query
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return name if self.port == default else f"{name}:{self.port}"


def url_target(url: str) -> Target:
    """Resolve ``url`` once and check it; the answer names the address to connect to.

    Refused (``WebhookRefused``): not http(s) (``webhook_url_invalid``); under prod settings not
    https (``webhook_url_insecure``), a host that does not resolve (``webhook_url_unresolvable``)
    or any address that is private, loopback, link-local, multicast or reserved
    (``webhook_url_private``) — every address the name has, since a client may use any of them.
    """
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookInputInvalid("The URL's port is not a number.", code="webhook_url_invalid", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookInputInvalid("The URL must be http(s)://host/…", code="webhook_url_invalid", field="url")
    strict = not _allow_private()
    if strict and parts.scheme != "https":
        raise WebhookInputInvalid("The URL must use https.", code="webhook_url_insecure", field="url")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise WebhookInputInvalid(
            "The URL's host does not resolve.", code="webhook_url_unresolvable", field="url"
        ) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise WebhookInputInvalid("The URL's host does not resolve.", code="webhook_url_unresolvable", field="url")
    if strict and any(_forbidden(a) for a in addresses):
        raise WebhookInputInvalid(
            "The URL resolves to a private, loopback or reserved address.", code="webhook_url_private", field="url"
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, hostname=parts.hostname, port=port, path=path, address=str(addresses[0]))


def url_check(url: str) -> None:
    """Refuse a URL the bank must not call (``url_target``'s rules); outside prod the name is not looked up,
    so dev and tests may register names that resolve only later, or never."""
    if not _allow_private():
        url_target(url)
        return
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  # raises on a port that is no number
    except ValueError:
        raise WebhookInputInvalid("The URL's port is not a number.", code="webhook_url_invalid", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookInputInvalid("The URL must be http(s)://host/…", code="webhook_url_invalid", field="url")


def _types_check(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    unknown = [t for t in chosen if t not in _catalogue]
    if unknown:
        raise WebhookInputInvalid(
            f"Unknown event type(s): {', '.join(unknown)}.", code="webhook_event_type_unknown", field="event_types"
        )
    if not chosen or len(chosen) > MAX_EVENT_TYPES:
        raise WebhookInputInvalid(
            "Subscribe to 1 to 50 event types.", code="webhook_event_types_required", field="event_types"
        )
    return chosen


def _endpoint_locked(*, endpoint_id: int, application_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, application_id=application_id).first()
    if endpoint is None:
        raise WebhookNotFound("No such webhook endpoint.")
    return endpoint


def webhook_endpoint_get(*, public_id: uuid.UUID | str, application_id: int) -> WebhookEndpointView | None:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    endpoint = WebhookEndpoint.objects.filter(public_id=key, application_id=application_id).first()
    return _view(endpoint) if endpoint is not None else None


DELIVERY_PAGE = 100


def webhook_deliveries_of_endpoint(
    *, endpoint_id: int, before: int | None = None, limit: int = DELIVERY_PAGE
) -> Page[WebhookDelivery]:
    """The endpoint's deliveries older than ``before``, newest first, each with its attempts."""
    rows = WebhookDelivery.objects.filter(endpoint_id=endpoint_id).prefetch_related("attempt_log")
    return keyset_page(rows, before=before, limit=limit)


# Every event goes to each endpoint subscribed to it: endpoints without a bound would multiply the
# deliveries one partner costs (the figure Stripe allows, too).
ENDPOINTS_PER_PARTNER = 16


def webhook_endpoints_of_partner(*, application_id: int) -> list[WebhookEndpointView]:
    """All of the partner's endpoints, newest first (at most ENDPOINTS_PER_PARTNER: one page)."""
    return [_view(e) for e in WebhookEndpoint.objects.filter(application_id=application_id).order_by("-created_at")]


@transaction.atomic
def webhook_endpoint_create(
    *, application_id: int, url: str, event_types: list[str], description: str = "", now: datetime
) -> WebhookEndpointCreated:
    """Register an endpoint; its secret (``whsec_`` + 32 random bytes) is in the answer only.

    Refused: ``webhook_url_invalid``, ``webhook_url_insecure``, ``webhook_url_private``,
    ``webhook_url_unresolvable``, ``webhook_event_type_unknown``, ``webhook_event_types_required``,
    ``webhook_endpoints_limit`` (ENDPOINTS_PER_PARTNER already).
    """
    url_check(url)
    # The partner's row is the lock: two creates at once cannot both pass the count.
    PartnerGrant.objects.select_for_update().filter(application_id=application_id).first()
    if WebhookEndpoint.objects.filter(application_id=application_id).count() >= ENDPOINTS_PER_PARTNER:
        raise WebhookRefused(
            f"A partner has at most {ENDPOINTS_PER_PARTNER} webhook endpoints; delete one, or subscribe an "
            "existing one to more event types.",
            code="webhook_endpoints_limit",
        )
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        application_id=application_id,
        url=url,
        event_types=_types_check(event_types),
        description=description[:200],
        secret_encrypted=crypto.encrypt_text(secret),
        created_at=now,
        updated_at=now,
    )
    return WebhookEndpointCreated(endpoint=_view(endpoint), secret=secret)


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint_id: int,
    application_id: int,
    now: datetime,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpointView:
    """Change what is given; ``enabled=True`` re-enables a disabled endpoint (failures start at zero)."""
    endpoint = _endpoint_locked(endpoint_id=endpoint_id, application_id=application_id)
    if url is not None:
        url_check(url)
        endpoint.url = url
    if event_types is not None:
        endpoint.event_types = _types_check(event_types)
    if description is not None:
        endpoint.description = description[:200]
    if enabled is True:
        endpoint.status = WebhookEndpoint.Status.ENABLED
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
    elif enabled is False:
        endpoint.status = WebhookEndpoint.Status.DISABLED
        endpoint.disabled_reason = "disabled by the partner"
    endpoint.updated_at = now
    endpoint.save()
    return _view(endpoint)


@transaction.atomic
def webhook_endpoint_delete(*, endpoint_id: int, application_id: int) -> None:
    _endpoint_locked(endpoint_id=endpoint_id, application_id=application_id).delete()


@transaction.atomic
def webhook_secret_rotate(*, endpoint_id: int, application_id: int, now: datetime) -> str:
    """A new secret signs from now on; the old one signs too for ``ROTATION_OVERLAP``. Returns the new one."""
    endpoint = _endpoint_locked(endpoint_id=endpoint_id, application_id=application_id)
    secret = secret_generate()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_encrypted = crypto.encrypt_text(secret)
    endpoint.updated_at = now
    endpoint.save(
        update_fields=["previous_secret_encrypted", "previous_secret_expires_at", "secret_encrypted", "updated_at"]
    )
    return secret


# --- fan-out -------------------------------------------------------------------------------------


def _body(*, event_id: str, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    public = {"id": event_id, "type": event_type, "created_at": created_at.isoformat(), "data": data}
    return json.dumps(public, separators=(",", ":"), sort_keys=True, default=str)


def webhook_deliveries_create(*, event_id: str, event_type: str, payload: dict[str, Any]) -> int:
    """Write one delivery per endpoint that should get this event; safe to run twice. Returns how many new."""
    kind = _catalogue.get(event_type)
    if kind is None:
        return 0
    subject = kind.subject(payload)
    if subject is None:
        return 0
    event = OutboxEvent.objects.filter(event_id=event_id).values_list("created_at", flat=True).first()
    created_at = event if event is not None else datetime.now().astimezone()
    body = _body(event_id=event_id, event_type=event_type, created_at=created_at, data=subject.data)
    endpoints = WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ENABLED)
    if subject.application_id is not None:
        endpoints = endpoints.filter(application_id=subject.application_id)
    rows = []
    for endpoint in endpoints.order_by("id"):
        if event_type not in endpoint.event_types:
            continue
        if subject.application_id is None and (
            subject.customer_id is None
            or not visibility.partner_may_see(
                application_id=endpoint.application_id,
                customer_id=subject.customer_id,
                account_id=subject.account_id,
                access=subject.access,
                now=created_at,
            )
        ):
            continue
        rows.append(
            WebhookDelivery(
                endpoint=endpoint,
                event_id=uuid.UUID(event_id),
                event_type=event_type,
                body=body,
                next_attempt_at=created_at,
                created_at=created_at,
            )
        )
    before = WebhookDelivery.objects.filter(event_id=event_id).count()
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return WebhookDelivery.objects.filter(event_id=event_id).count() - before


# --- delivery ------------------------------------------------------------------------------------


def _claim(*, now: datetime) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .order_by("next_attempt_at", "id")
            .first()
        )
        if delivery is None:
            return None
        delivery.locked_until = now + LEASE
        delivery.save(update_fields=["locked_until"])
    return delivery


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    """A connection to exactly the checked address; TLS still names and verifies the URL's host."""
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS[0], read=TIMEOUT_SECONDS[1])
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            host=target.address,
            port=target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.hostname,
            assert_hostname=target.hostname,
        )
    return urllib3.HTTPConnectionPool(host=target.address, port=target.port, timeout=timeout, retries=False, maxsize=1)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, now: datetime) -> tuple[int | None, str, int]:
    """(status code or None, error, milliseconds) of one request; never raises.

    No proxy from the environment and no redirect is followed: either would send the request
    somewhere the check never saw.
    """
    started = time.monotonic()
    try:
        target = url_target(endpoint.url)  # again: a name may resolve elsewhere today
        headers = webhook_headers(endpoint=endpoint, msg_id=str(delivery.event_id), body=delivery.body, now=now)
        pool = _pool(target)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=delivery.body.encode(),
                headers={**headers, "host": target.host_header},
                redirect=False,
                retries=False,
                preload_content=False,  # the answer's body is never read: a huge one cannot fill memory
                assert_same_host=False,
            )
            status, error = response.status, ""
            response.release_conn()
        finally:
            pool.close()
    except WebhookRefused as refused:
        status, error = None, refused.code
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"[:500]
    return status, error, int((time.monotonic() - started) * 1000)


def _disable(endpoint: WebhookEndpoint, *, reason: str, now: datetime) -> None:
    endpoint.status = WebhookEndpoint.Status.DISABLED
    endpoint.disabled_reason = reason
    endpoint.updated_at = now
    endpoint.save(update_fields=["status", "disabled_reason", "updated_at", "consecutive_failures"])
    # The partner is told by the event of that name (its own endpoints may be down: staff see it too).
    events.publish(
        "webhook_endpoint.disabled",
        {
            "endpoint_id": endpoint.pk,
            "public_id": str(endpoint.public_id),
            "application_id": endpoint.application_id,
            "reason": reason,
        },
    )
    log.warning("webhook endpoint disabled", extra={"endpoint": endpoint.pk, "reason": reason})
    grants = PartnerGrant.objects.filter(application_id=endpoint.application_id)
    contact = grants.values_list("contact_email", flat=True).first()
    if contact:
        subject = "A webhook endpoint of yours was disabled"
        message = (
            f"The bank stopped sending events to {endpoint.url} (endpoint {endpoint.public_id}): {reason}.\n"
            "Events are kept; fix the receiver, enable the endpoint again (PATCH webhook-endpoints/{id}/ with "
            '{"enabled": true}) and ask for redelivery of what it missed.'
        )
        # After commit: no e-mail about a disabling that rolled back.
        transaction.on_commit(lambda: _mail(contact, subject, message))


def _mail(to: str, subject: str, message: str) -> None:
    try:
        send_mail(subject, message, None, [to])
    except OSError:
        # The endpoint stays disabled and the event is in the outbox; a mail outage must not undo that.
        log.exception("could not e-mail the partner about a disabled webhook endpoint", extra={"to": to})


def _record(delivery_id: int, *, status: int | None, error: str, ms: int, now: datetime) -> str:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=now, status_code=status, duration_ms=ms, error=error
        )
        delivery.attempts += 1
        delivery.last_status_code = status
        delivery.last_error = error
        delivery.locked_until = None
        if status is not None and 200 <= status < 300:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            endpoint.consecutive_failures = 0
            endpoint.save(update_fields=["consecutive_failures"])
        elif status == 410:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            _disable(endpoint, reason="the endpoint answered 410 Gone", now=now)
        elif delivery.attempts > len(RETRY_SCHEDULE) or endpoint.status != WebhookEndpoint.Status.ENABLED:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
            endpoint.consecutive_failures += 1
            if (
                endpoint.status == WebhookEndpoint.Status.ENABLED
                and endpoint.consecutive_failures >= DISABLE_AFTER_FAILURES
            ):
                _disable(endpoint, reason=f"{endpoint.consecutive_failures} deliveries failed in a row", now=now)
            else:
                endpoint.save(update_fields=["consecutive_failures"])
        else:
            delivery.next_attempt_at = now + RETRY_SCHEDULE[delivery.attempts - 1]
        delivery.save()
        return delivery.status


def webhook_deliveries_send(*, now: datetime, limit: int = 100) -> int:
    """Send up to ``limit`` due deliveries, one request each; returns how many were delivered.

    Safe to run in parallel (each delivery is leased) and twice (a delivered row is not due).
    Deliveries of a disabled endpoint are given up without a request.
    """
    delivered = 0
    for _ in range(limit):
        delivery = _claim(now=now)
        if delivery is None:
            break
        endpoint = delivery.endpoint
        if endpoint.status != WebhookEndpoint.Status.ENABLED:
            with transaction.atomic():
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    status=WebhookDelivery.Status.FAILED,
                    next_attempt_at=None,
                    locked_until=None,
                    last_error="endpoint disabled",
                )
            continue
        status, error, ms = _post(endpoint, delivery, now=now)
        if _record(delivery.pk, status=status, error=error, ms=ms, now=now) == "delivered":
            delivered += 1
    return delivered


@transaction.atomic
def webhook_delivery_redeliver(*, delivery_public_id: uuid.UUID | str, application_id: int, now: datetime) -> None:
    """Send a delivery again, whatever became of it (the partner asked): due now, retries start anew."""
    try:
        key = uuid.UUID(str(delivery_public_id))
    except ValueError:
        raise WebhookNotFound("No such delivery.") from None
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .filter(public_id=key, endpoint__application_id=application_id)
        .first()
    )
    if delivery is None:
        raise WebhookNotFound("No such delivery.")
    if delivery.endpoint.status != WebhookEndpoint.Status.ENABLED:
        raise WebhookRefused("Enable the endpoint first.", code="webhook_endpoint_disabled")
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.locked_until = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "locked_until"])
