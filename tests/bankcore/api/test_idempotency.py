"""Idempotency-Key: the first answer is replayed, a different body is refused, races make one thing."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from bankcore import events
from bankcore.api import idempotency, tasks
from bankcore.api.errors import problem
from bankcore.api.idempotency import idempotency_records_purge, idempotent
from bankcore.api.models import IdempotencyRecord
from bankcore.errors import DomainError
from bankcore.events.models import OutboxEvent
from bankcore.users.models import User


class NotEnoughMoney(DomainError):
    """The account does not hold enough money."""

    code = "insufficient_funds"


class TooManyDecimals(DomainError):
    """A service's refusal of an input as sent."""

    code = "too_many_decimals"
    input_error = True


class CreateThing(APIView):
    """Creates one outbox row per call: a stand-in for any money-moving POST."""

    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer[Any]):
        amount = serializers.CharField(required=False)
        explode = serializers.BooleanField(required=False)
        refuse = serializers.ChoiceField(
            ["funds", "funds_returned", "field", "payee", "returned_field"], required=False
        )

    @idempotent
    def post(self, request: Request) -> Response:
        self.Input(data=request.data).is_valid(raise_exception=True)
        if request.data.get("explode"):
            raise RuntimeError("crash before anything was stored")
        refuse = request.data.get("refuse")
        if refuse == "funds":  # a service's business refusal, raised
            raise NotEnoughMoney()
        if refuse == "funds_returned":  # the same, answered by the view itself
            return problem(status_code=422, title="Refused", detail="No money.", code="insufficient_funds")
        if refuse == "field":  # a service's refusal of one input as sent, raised
            raise TooManyDecimals("Too many decimals.", field="amount")
        if refuse == "payee":  # a business refusal that names the input it is about
            raise NotEnoughMoney("The payee's account cannot receive.", code="payee_cannot_receive", field="iban")
        if refuse == "returned_field":  # a view answering itself: whatever it returns is the answer
            return problem(
                status_code=422,
                title="Refused",
                detail="No such payee.",
                code="payee_unknown",
                errors={"iban": ["No."]},
            )
        event_id = events.publish("thing.created", {"amount": request.data.get("amount")})
        return Response({"id": event_id, "amount": request.data.get("amount")}, status=201)


def post(user: User, data: dict[str, Any], key: str | None) -> Response:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    request = APIRequestFactory().post("/things", data, format="json", **headers)
    force_authenticate(request, user=user)
    response: Response = CreateThing.as_view()(request)
    response.render()
    return response


@pytest.fixture
def alice(db: None) -> User:
    return User.objects.create_user(email="alice@example.com", password="x")


@pytest.fixture
def bob(db: None) -> User:
    return User.objects.create_user(email="bob@example.com", password="x")


def test_retry_with_same_key_replays_the_first_answer(alice: User) -> None:
    first = post(alice, {"amount": "10.00"}, "k-1")
    again = post(alice, {"amount": "10.00"}, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.data == first.data
    assert again["Idempotent-Replayed"] == "true"
    assert OutboxEvent.objects.filter(name="thing.created").count() == 1


def test_same_key_with_another_body_is_refused(alice: User) -> None:
    post(alice, {"amount": "10.00"}, "k-1")
    other = post(alice, {"amount": "11.00"}, "k-1")
    assert other.status_code == 422
    assert other.data["code"] == "idempotency_key_reused"
    assert OutboxEvent.objects.filter(name="thing.created").count() == 1


@pytest.mark.parametrize("key", [None, "", "x" * 256, "bad\nkey"])
def test_missing_or_malformed_key_is_refused_and_nothing_is_created(alice: User, key: str | None) -> None:
    response = post(alice, {"amount": "1.00"}, key)
    assert response.status_code == 400
    assert response.data["code"] == "idempotency_key_missing"
    assert OutboxEvent.objects.filter(name="thing.created").count() == 0


def test_keys_are_scoped_to_their_owner(alice: User, bob: User) -> None:
    post(alice, {"amount": "1.00"}, "shared")
    for_bob = post(bob, {"amount": "1.00"}, "shared")
    assert for_bob.status_code == 201
    assert "Idempotent-Replayed" not in for_bob
    assert OutboxEvent.objects.filter(name="thing.created").count() == 2


def test_a_crashed_request_frees_its_key(alice: User) -> None:
    assert post(alice, {"explode": True}, "k-crash").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-crash").exists()
    assert post(alice, {"amount": "1.00"}, "k-crash").status_code == 201


class TestWhatIsStored:
    """As Stripe's keys: an answer is stored once the endpoint ran, never for a request it refused unread."""

    def test_a_body_that_fails_validation_stores_nothing_and_the_corrected_one_runs(self, alice: User) -> None:
        refused = post(alice, {"amount": ["not", "a", "string"]}, "k-fix")
        assert (refused.status_code, set(refused.data["errors"])) == (400, {"amount"})
        assert not IdempotencyRecord.objects.filter(key="k-fix").exists()
        assert post(alice, {"amount": "1.00"}, "k-fix").status_code == 201

    def test_an_input_refused_as_sent_stores_nothing_and_the_corrected_body_runs(self, alice: User) -> None:
        refused = post(alice, {"amount": "1.005", "refuse": "field"}, "k-field")
        assert (refused.status_code, refused.data["errors"]) == (422, {"amount": ["Too many decimals."]})
        assert not IdempotencyRecord.objects.filter(key="k-field").exists()
        corrected = post(alice, {"amount": "1.00"}, "k-field")
        assert corrected.status_code == 201, corrected.data
        assert "Idempotent-Replayed" not in corrected

    @pytest.mark.parametrize(
        ("refuse", "code"),
        [
            ("funds", "insufficient_funds"),
            ("funds_returned", "insufficient_funds"),
            # Naming a field does not make a refusal by the rules a request error.
            ("payee", "payee_cannot_receive"),
            ("returned_field", "payee_unknown"),
        ],
    )
    def test_a_business_refusal_is_the_keys_answer_and_is_replayed(self, alice: User, refuse: str, code: str) -> None:
        first = post(alice, {"amount": "1.00", "refuse": refuse}, "k-funds")
        assert (first.status_code, first.data["code"]) == (422, code)
        assert first["Content-Type"] == "application/problem+json"
        again = post(alice, {"amount": "1.00", "refuse": refuse}, "k-funds")
        assert (again.status_code, again["Idempotent-Replayed"]) == (422, "true")
        assert again["Content-Type"] == "application/problem+json"
        assert json.loads(again.content) == json.loads(first.content)
        other = post(alice, {"amount": "2.00"}, "k-funds")
        assert (other.status_code, other.data["code"]) == (422, "idempotency_key_reused")
        assert OutboxEvent.objects.filter(name="thing.created").count() == 0

    def test_a_request_refused_as_in_flight_stores_nothing(self, alice: User) -> None:
        request = APIRequestFactory().post("/things", {"amount": "1.00"}, format="json")
        force_authenticate(request, user=alice)
        fingerprint = idempotency.request_fingerprint(Request(request, parsers=CreateThing().get_parsers()))
        IdempotencyRecord.objects.create(owner=f"user:{alice.pk}", key="k-busy", fingerprint=fingerprint)
        assert post(alice, {"amount": "1.00"}, "k-busy").data["code"] == "idempotency_request_in_progress"
        record = IdempotencyRecord.objects.get(key="k-busy")
        assert (record.state, record.status_code, record.body) == (IdempotencyRecord.State.IN_PROGRESS, None, None)


def test_in_progress_claim_answers_409_then_is_taken_over_when_stale(alice: User) -> None:
    record = IdempotencyRecord.objects.create(owner=f"user:{alice.pk}", key="k-2", fingerprint="will-be-replaced")
    from bankcore.api.idempotency import request_fingerprint  # same fingerprint as the real request

    request = APIRequestFactory().post("/things", {"amount": "5.00"}, format="json")
    force_authenticate(request, user=alice)
    record.fingerprint = request_fingerprint(Request(request, parsers=CreateThing().get_parsers()))
    record.save()
    assert post(alice, {"amount": "5.00"}, "k-2").status_code == 409
    record.created_at -= timedelta(minutes=10)
    record.save()
    assert post(alice, {"amount": "5.00"}, "k-2").status_code == 201
    assert OutboxEvent.objects.filter(name="thing.created").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_exactly_one_thing() -> None:
    user = User.objects.create_user(email="racer@example.com", password="x")
    barrier = threading.Barrier(8)
    answers: list[Response] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait()
            answers.append(post(user, {"amount": "3.00"}, "race"))
        except BaseException as exc:  # kept for the assertion below: a dead thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert errors == []
    assert len(answers) == 8  # every thread answered
    assert OutboxEvent.objects.filter(name="thing.created").count() == 1
    created = [answer for answer in answers if answer.status_code == 201]
    assert len(created) >= 1
    assert all(answer.status_code in (201, 409) for answer in answers)
    assert all(
        answer.data["code"] == "idempotency_request_in_progress" for answer in answers if answer.status_code == 409
    )
    # One result for everyone: every 201 is the same thing, and a thread told to retry gets it too.
    first = created[0].data
    assert all(answer.data == first for answer in created)
    retried = [post(user, {"amount": "3.00"}, "race") for answer in answers if answer.status_code == 409]
    assert all(answer.status_code == 201 and answer.data == first for answer in retried)
    assert OutboxEvent.objects.filter(name="thing.created").count() == 1


class TestPurge:
    @pytest.fixture(autouse=True)
    def retention(self, settings: Any) -> None:
        settings.IDEMPOTENCY_RETENTION = timedelta(days=30)

    def make(
        self, alice: User, key: str, created_at: datetime, state: str = IdempotencyRecord.State.DONE
    ) -> IdempotencyRecord:
        return IdempotencyRecord.objects.create(
            owner=f"user:{alice.pk}", key=key, fingerprint="f", state=state, created_at=created_at
        )

    def test_records_older_than_the_retention_are_purged(self, alice: User, now: datetime) -> None:
        old = self.make(alice, "old", now - timedelta(days=30, seconds=1))
        self.make(alice, "abandoned", now - timedelta(days=31), state=IdempotencyRecord.State.IN_PROGRESS)
        kept = self.make(alice, "kept", now - timedelta(days=29, hours=23))
        assert idempotency_records_purge(now=now) == 2
        assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [kept.pk]
        assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
        assert idempotency_records_purge(now=now) == 0

    def test_a_purged_key_starts_afresh(self, alice: User, now: datetime) -> None:
        assert post(alice, {"amount": "1.00"}, "k-old").status_code == 201
        IdempotencyRecord.objects.filter(key="k-old").update(created_at=timezone.now() - timedelta(days=31))
        assert idempotency_records_purge(now=timezone.now()) == 1
        again = post(alice, {"amount": "2.00"}, "k-old")  # another body: no longer refused as reused
        assert again.status_code == 201
        assert "Idempotent-Replayed" not in again

    def test_a_backlog_is_purged_in_chunks(self, alice: User, now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(idempotency, "PURGE_CHUNK", 2)
        for n in range(5):
            self.make(alice, f"k{n}", now - timedelta(days=40))
        assert idempotency_records_purge(now=now) == 5
        assert not IdempotencyRecord.objects.exists()

    def test_the_daily_task_purges_with_the_current_time(self, alice: User) -> None:
        self.make(alice, "ancient", timezone.now() - timedelta(days=365))
        self.make(alice, "fresh", timezone.now())
        assert tasks.idempotency_records_purge.apply().get() == 1
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
