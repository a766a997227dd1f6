"""The live OpenAPI document against the live application, with the sandbox partner's token.

Schemathesis generates requests for every operation from the schema the app serves (valid ones
and, in the negative phase, invalid ones) and checks each answer: never a 5xx, a documented
status, the documented content type (problem+json for errors) and a body that fits its schema.
The stateful run follows the documented links (a payment created, then read and cancelled).
Derandomized and bounded, so CI runs the same cases each time in well under a minute.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
import schemathesis.checks
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck
from schemathesis import GenerationMode
from schemathesis.generation.stateful.state_machine import APIStateMachine

from tests.bankcore.api.factories import sandbox_like_partner

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/?format=json"
EXAMPLES = 8
# A request can fit the schema and still be refused for a business reason (no such creditor
# account, funds, limits): that is a 422 problem, not a schema bug, so valid-looking input is not
# required to succeed. Invalid input must still be refused (negative_data_rejection).
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


def _settings(max_examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )


@pytest.fixture
def bearer() -> dict[str, str]:
    """A token of a partner like the sandbox's, from /o/token/ as a partner gets one."""
    partner = sandbox_like_partner()
    basic = base64.b64encode(f"{partner.client_id}:{partner.client_secret}".encode()).decode()
    answer = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert answer.status_code == 200, answer.content
    return {"Authorization": f"Bearer {json.loads(answer.content)['access_token']}"}


@pytest.fixture
def api_schema(bearer: dict[str, str]) -> Iterator[schemathesis.BaseSchema]:
    # As Django's test client does: the test's transaction must outlive each request. After the
    # token is fetched: the test client connects the handlers again when it is done.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _each_operation(schema: schemathesis.BaseSchema) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    check: Callable[..., None]

    @_settings(EXAMPLES)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED_CHECKS)

    try:
        check()
    except hypothesis.errors.Unsatisfiable:
        # Negative mode has nothing to make invalid in an operation without parameters or body.
        assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid request can be generated"


def test_every_operation_answers_as_documented(api_schema: schemathesis.BaseSchema, bearer: dict[str, str]) -> None:
    operations = _each_operation(api_schema)
    assert len(operations) >= 25  # the whole partner API, not an empty schema
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, bearer)


def test_stateful_links_hold(api_schema: schemathesis.BaseSchema, bearer: dict[str, str]) -> None:
    base: type[APIStateMachine] = api_schema.as_state_machine()

    class Partner(base):  # type: ignore[valid-type,misc]
        # Every run of the machine starts from the same bank: Hypothesis replays a run to check
        # it, and a consent or payment left by the run before would answer the replay differently.
        def setup(self) -> None:
            self.savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": bearer}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=EXCLUDED_CHECKS, transport_kwargs=kwargs)

    Partner.run(settings=hypothesis.settings(_settings(15), stateful_step_count=4, phases=[hypothesis.Phase.generate]))
