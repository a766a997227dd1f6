"""The analyst's case flow through the back office: queue, assignment, notes, payment, outcome, SAR."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.fraud import interface
from apps.fraud.models import Alert, RuleVersion
from apps.fraud.services import alerts, rules
from bankcore.events.models import OutboxEvent
from bankcore.money import Money
from bankcore.testing.access import login_verified

pytestmark = pytest.mark.django_db

URL = "/admin/fraud/alert/"


@pytest.fixture
def analyst(client: Client):
    user = get_user_model().objects.create_superuser(email="analyst@bank.test", password="x-Passw0rd-123")
    login_verified(client, user)
    return user


@pytest.fixture
def held_alert(now: datetime) -> int:
    rules.rules_defaults_ensure(now=now)
    decision = interface.transaction_decide(
        txn=interface.ProposedTransaction(
            reference="payment:77", customer_id=5, amount=Money.of("6000.00", "EUR"), counterparty_country="IR"
        ),
        now=now,
    )
    assert decision.outcome == "review"
    assert decision.alert_id is not None
    return decision.alert_id


def act(client: Client, action: str, alert_id: int):
    return client.post(URL, {"action": action, "_selected_action": [alert_id]}, follow=True)


class TestCaseFlow:
    def test_queue_lists_open_cases(self, client: Client, analyst, held_alert: int) -> None:
        page = client.get(URL)
        assert page.status_code == 200
        assert "payment:77" in page.content.decode()
        assert client.get(f"{URL}{held_alert}/change/").status_code == 200

    def test_assign_note_release_close(self, client: Client, analyst, held_alert: int) -> None:
        act(client, "assign_to_me", held_alert)
        alert = Alert.objects.get(pk=held_alert)
        assert (alert.assignee_id, alert.status) == (analyst.pk, "in_review")

        change = client.get(f"{URL}{held_alert}/change/")
        assert change.status_code == 200
        response = client.post(
            f"{URL}{held_alert}/change/",
            {
                "notes-TOTAL_FORMS": "1",
                "notes-INITIAL_FORMS": "0",
                "notes-MIN_NUM_FORMS": "0",
                "notes-MAX_NUM_FORMS": "1000",
                "notes-0-body": "Customer confirmed the invoice by phone.",
                "notes-0-alert": str(held_alert),
            },
        )
        assert response.status_code == 302
        note = alert.notes.get()
        assert (note.body, note.author_id) == ("Customer confirmed the invoice by phone.", analyst.pk)

        act(client, "release_payment", held_alert)
        released = OutboxEvent.objects.get(name="fraud.case.released")
        assert released.payload["payment_ref"] == "payment:77"
        assert released.payload["alert_id"] == held_alert

        act(client, "close_false_positive", held_alert)
        alert.refresh_from_db()
        assert (alert.status, alert.outcome, alert.hold) == ("closed", "false_positive", "released")

    def test_confirmed_fraud_rejects_the_held_payment(self, client: Client, analyst, held_alert: int) -> None:
        act(client, "close_confirmed", held_alert)
        assert OutboxEvent.objects.get(name="fraud.case.rejected").payload["payment_ref"] == "payment:77"
        assert Alert.objects.get(pk=held_alert).hold == "rejected"

    def test_refusal_is_a_message_not_an_error(self, client: Client, analyst, held_alert: int) -> None:
        act(client, "close_confirmed", held_alert)
        page = act(client, "release_payment", held_alert)
        assert page.status_code == 200
        assert "This case holds no payment." in page.content.decode()

    def test_reverting_from_the_history_page_writes_nothing(self, client: Client, analyst, held_alert: int) -> None:
        # The opened state is in the history: posting it back would reopen the case and hold the
        # payment again, with no event to tell payments, around the services.
        opened = Alert.history.filter(id=held_alert).earliest("history_date")
        act(client, "close_confirmed", held_alert)
        page = client.get(f"{URL}{held_alert}/history/{opened.history_id}/")
        assert page.status_code == 200
        assert "Revert" not in page.content.decode()
        client.post(f"{URL}{held_alert}/history/{opened.history_id}/", {})
        alert = Alert.objects.get(pk=held_alert)
        assert (alert.status, alert.hold) == ("closed", "rejected")

    def test_adding_a_note_does_not_rewrite_the_alert(self, client: Client, analyst, held_alert: int) -> None:
        before = Alert.history.filter(id=held_alert).count()
        client.post(
            f"{URL}{held_alert}/change/",
            {
                "notes-TOTAL_FORMS": "1",
                "notes-INITIAL_FORMS": "0",
                "notes-MIN_NUM_FORMS": "0",
                "notes-MAX_NUM_FORMS": "1000",
                "notes-0-body": "Called the customer.",
                "notes-0-alert": str(held_alert),
            },
        )
        assert Alert.objects.get(pk=held_alert).notes.get().body == "Called the customer."
        assert Alert.history.filter(id=held_alert).count() == before

    def test_sar_draft_export(self, client: Client, analyst, held_alert: int, now: datetime) -> None:
        held_now = now
        alerts.alert_note_add(alert_id=held_alert, author_id=analyst.pk, body="Looks like mule activity.", now=held_now)
        response = act(client, "export_sar_draft", held_alert)
        text = response.content.decode()
        assert response["Content-Disposition"] == 'attachment; filename="sar-draft.txt"'
        assert "SUSPICIOUS ACTIVITY REPORT - DRAFT" in text
        assert "rule high-risk-country v1 (+40): Payment to a high-risk jurisdiction" in text
        assert "payment:77" in text
        assert "Looks like mule activity." in text


class TestRulesInAdmin:
    def test_analyst_adds_a_draft_and_requests_activation(self, client: Client, analyst) -> None:
        response = client.post(
            "/admin/fraud/ruleversion/add/",
            {
                "code": "night-burst",
                "condition": "is_night and customer_count_1h >= 3",
                "score": "30",
                "description": "Night burst",
            },
        )
        assert response.status_code == 302
        version = RuleVersion.objects.get(rule__code="night-burst")
        assert (version.status, version.number, version.created_by_id) == ("draft", 1, analyst.pk)
        client.post("/admin/fraud/ruleversion/", {"action": "request_activation", "_selected_action": [version.pk]})
        assert RuleVersion.objects.get(pk=version.pk).status == "pending"

    def test_a_bad_condition_is_a_form_error(self, client: Client, analyst) -> None:
        response = client.post(
            "/admin/fraud/ruleversion/add/",
            {"code": "typo", "condition": "amount > 5", "score": "1", "description": "d"},
        )
        assert response.status_code == 200
        assert "unknown feature" in response.content.decode()
        assert not RuleVersion.objects.exists()

    @pytest.mark.parametrize(
        "page",
        [
            "rule",
            "ruleversion",
            "backtestrun",
            "monitoredtransaction",
            "sanctionslistversion",
            "sanctionsentry",
            "screenedsubject",
            "rescreenrun",
        ],
    )
    def test_pages_open(self, client: Client, analyst, page: str) -> None:
        assert client.get(f"/admin/fraud/{page}/").status_code == 200
