"""Twenty identical ``payments/`` POSTs at once, one Idempotency-Key: one payment, one ledger entry.

Real threads, each with its own database connection, through the whole HTTP stack (token,
throttle, idempotency claim, service). A request that arrives while the first is running is told
409 and, retrying, gets the first answer byte for byte; every completed answer is the same.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from oauth2_provider.settings import oauth2_settings

from apps.fraud import interface as fraud
from apps.payments.models import Payment
from bankcore.ledger.models import Entry
from tests.bankcore.api.factories import AccessTokenFactory, sandbox_like_partner

CLIENTS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_posts_make_one_payment_and_one_entry() -> None:
    partner = sandbox_like_partner()
    token = AccessTokenFactory(application_id=partner.application_id, scope=" ".join(oauth2_settings.SCOPES))
    body = json.dumps(
        {
            "source_account": str(partner.acme.account.pk),
            "amount": "42.00",
            "currency": "EUR",
            "creditor": {"name": "Alice Example", "iban": partner.alice.account.iban},
            "reference": "Race 1",
        }
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}", "HTTP_IDEMPOTENCY_KEY": "race-1"}
    # The name analysers load on first use (seconds on a busy machine): not what this measures.
    fraud.screen_name("Warm Up Name")
    entries_before = Entry.objects.count()
    barrier = threading.Barrier(CLIENTS)
    answers: list[tuple[int, Any]] = []
    errors: list[BaseException] = []

    def send() -> tuple[int, Any]:
        response = Client().post("/api/v1/payments/", body, content_type="application/json", **headers)
        return response.status_code, json.loads(response.content)

    def attempt() -> None:
        try:
            barrier.wait()
            answers.append(send())
        except BaseException as exc:  # kept for the assertion below: a dead thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert errors == []
    assert len(answers) == CLIENTS
    assert {status for status, _ in answers} <= {201, 409}
    assert all(b["code"] == "idempotency_request_in_progress" for status, b in answers if status == 409)
    created = [b for status, b in answers if status == 201]
    assert created
    assert all(b == created[0] for b in created)
    retried = [send() for status, _ in answers if status == 409]
    assert all(answer == (201, created[0]) for answer in retried)

    assert Payment.objects.count() == 1
    assert Payment.objects.get().tx_id == created[0]["id"]
    assert Entry.objects.count() == entries_before + 1
