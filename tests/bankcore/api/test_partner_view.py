"""PartnerApiView: scopes first, then 404 for what the partner may not see, 429 beyond a consent's reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from bankcore.api.idempotency import idempotent
from bankcore.api.models import PartnerGrant
from bankcore.api.partner import PartnerApiView, request_acting_for_id
from bankcore.events import publish
from bankcore.events.models import OutboxEvent
from tests.bankcore.api.factories import AccessTokenFactory, AccountConsentFactory, PartnerGrantFactory
from tests.bankcore.users.factories import UserFactory

pytestmark = pytest.mark.django_db


class BalanceProbe(PartnerApiView):
    """Stands in for a context's ``accounts/{id}/balances/``: the object's owner and account come from the path."""

    required_scopes = ["accounts:read"]

    def get(self, request: Request, customer_id: int, account_id: int) -> Response:
        self.require_visible(customer_id=customer_id, account_id=account_id, access="balances")
        return Response({"acting_for": request_acting_for_id(request)})


class CreateProbe(PartnerApiView):
    """Stands in for a creating POST of a context: idempotent, for the acting-for customer only."""

    required_scopes = ["payments:write"]

    @idempotent
    def post(self, request: Request) -> Response:
        customer_id = self.acting_for_id_or_404()
        event_id = publish("probe.created", {"customer_id": customer_id})
        return Response({"id": event_id}, status=201)


def call(view: Any, token: AccessToken | None, method: str = "get", **kwargs: Any) -> Response:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.token}"} if token is not None else {}
    headers.update(kwargs.pop("headers", {}))
    factory = APIRequestFactory()
    request = (
        factory.post("/probe", {}, format="json", **headers) if method == "post" else factory.get("/probe", **headers)
    )
    response: Response = view.as_view()(request, **kwargs)
    response.render()
    return response


def token_for(grant: PartnerGrant, scope: str = "accounts:read payments:write") -> AccessToken:
    return AccessTokenFactory(application=grant.application, scope=scope)


@pytest.fixture
def business() -> Any:
    return UserFactory()


@pytest.fixture
def grant(business: Any) -> PartnerGrant:
    return PartnerGrantFactory(acting_for=business)


def test_acting_for_customer_is_visible_and_never_counted(grant: PartnerGrant, business: Any) -> None:
    token = token_for(grant)
    for _ in range(6):
        response = call(BalanceProbe, token, customer_id=business.pk, account_id=3)
        assert response.status_code == 200
    assert json.loads(response.content) == {"acting_for": business.pk}


def test_another_customer_is_a_404_problem(grant: PartnerGrant) -> None:
    response = call(BalanceProbe, token_for(grant), customer_id=UserFactory().pk, account_id=3)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["status"] == 404


def test_consented_reads_are_counted_and_refused_with_429_beyond_the_day(grant: PartnerGrant) -> None:
    consent = AccountConsentFactory(application=grant.application, account_ids=[3], frequency_per_day=2)
    consent.valid_until = consent.valid_until.replace(year=2099)  # the view reads the real clock
    consent.save()
    token = token_for(grant)
    assert call(BalanceProbe, token, customer_id=consent.customer_id, account_id=3).status_code == 200
    assert call(BalanceProbe, token, customer_id=consent.customer_id, account_id=3).status_code == 200
    third = call(BalanceProbe, token, customer_id=consent.customer_id, account_id=3)
    assert third.status_code == 429
    assert third["Content-Type"] == "application/problem+json"
    assert int(third["Retry-After"]) > 0
    assert json.loads(third.content)["code"] == "access_frequency_exceeded"


def test_a_consent_opening_no_balances_is_a_404(grant: PartnerGrant) -> None:
    consent = AccountConsentFactory(application=grant.application, account_ids=[3], balances=False)
    consent.valid_until = consent.valid_until.replace(year=2099)
    consent.save()
    assert call(BalanceProbe, token_for(grant), customer_id=consent.customer_id, account_id=3).status_code == 404


def test_missing_scope_is_403_and_no_token_401(grant: PartnerGrant, business: Any) -> None:
    narrow = token_for(grant, scope="payments:read")
    assert call(BalanceProbe, narrow, customer_id=business.pk, account_id=3).status_code == 403
    assert call(BalanceProbe, None, customer_id=business.pk, account_id=3).status_code == 401


def test_a_token_of_an_application_that_is_no_partner_is_refused(business: Any) -> None:
    stray = AccessTokenFactory()  # an OAuth2 application without a PartnerGrant
    assert call(BalanceProbe, stray, customer_id=business.pk, account_id=3).status_code == 403


def test_creating_post_is_idempotent_per_partner(grant: PartnerGrant) -> None:
    token = token_for(grant)
    first = call(CreateProbe, token, "post", headers={"HTTP_IDEMPOTENCY_KEY": "k-1"})
    again = call(CreateProbe, token, "post", headers={"HTTP_IDEMPOTENCY_KEY": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    other = PartnerGrantFactory(acting_for=UserFactory())
    theirs = call(CreateProbe, token_for(other), "post", headers={"HTTP_IDEMPOTENCY_KEY": "k-1"})
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert OutboxEvent.objects.filter(name="probe.created").count() == 2
    assert call(CreateProbe, token, "post").status_code == 400  # no key


def test_a_partner_acting_for_nobody_has_no_own_objects() -> None:
    lone = PartnerGrantFactory()
    response = call(CreateProbe, token_for(lone), "post", headers={"HTTP_IDEMPOTENCY_KEY": "k"})
    assert response.status_code == 404
