"""The settlement back office: the monitor, a rejected file with its error, the queues and their actions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from apps.payments.clearing_ingest import clearing_ingest_run
from apps.payments.clearing_tick import clearing_tick_run
from apps.payments.models import PaymentStatus
from apps.payments.models.settlement import ClearingException, ClearingFile, IncomingCredit, IncomingStatus
from bankcore.testing.access import login_verified
from bankcore.users import roles
from bankcore.users.models import User
from simulators.clearing import ClearingHouse
from tests.apps.payments.settlement_factories import NOW, accepted_payment, clearing_env, funded_account

__all__ = ["clearing_env"]
pytestmark = pytest.mark.usefixtures("clearing_env")


def staff(client: Client, role: str) -> User:
    roles.roles_sync()
    user = User.objects.create_user(
        email=f"{role.split()[0].lower()}@bank.test", password="x-Passw0rd-123", is_staff=True
    )
    user.groups.add(roles.Group.objects.get(name=role))
    login_verified(client, user)
    return user


@pytest.fixture
def operator(client: Client) -> User:
    return staff(client, roles.PAYMENTS_OPERATOR)


def test_the_monitor_shows_cycles_files_and_a_rejected_file_with_its_error(
    client: Client, operator: User, clearing_env: Path
) -> None:
    account = funded_account()
    accepted_payment(account=account)
    accepted_payment(account=account, creditor_name="SIM REJECT AC04")
    clearing_tick_run(now=NOW)
    (clearing_env / "inbox" / "junk.xml").write_text("<nope")
    clearing_ingest_run(now=NOW)
    page = client.get("/admin/payments/settlementcycle/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "25.00 EUR" in text
    assert "Run a clearing round now" in text
    rejected = ClearingFile.objects.get(name="junk.xml")
    detail = client.get(f"/admin/payments/clearingfile/{rejected.pk}/change/").content.decode()
    assert "not XML" in detail
    assert "&lt;nope" in detail


def test_the_round_button_runs_a_whole_cycle(client: Client, operator: User) -> None:
    # The button runs the round at the wall clock's moment: the payment's hold must still run then.
    moment = timezone.now()
    payment = accepted_payment(account=funded_account(now=moment), now=moment)
    response = client.post("/admin/payments/settlementcycle/tick/")
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SETTLED


def test_a_support_agent_sees_the_monitor_but_cannot_run_a_round(client: Client) -> None:
    staff(client, roles.SUPPORT_AGENT)
    payment = accepted_payment(account=funded_account())
    assert client.get("/admin/payments/settlementcycle/").status_code == 200
    assert "Run a clearing round now" not in client.get("/admin/payments/settlementcycle/").content.decode()
    assert client.post("/admin/payments/settlementcycle/tick/").status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ACCEPTED


def test_a_customer_gets_nothing_of_the_back_office(client: Client) -> None:
    customer = User.objects.create_user(email="c@bank.test", password="x-Passw0rd-123")
    login_verified(client, customer)
    assert client.get("/admin/payments/incomingcredit/").status_code == 302  # to the admin login
    assert client.post("/admin/payments/settlementcycle/tick/").status_code == 302


def test_suspense_queue_credit_to_an_iban(client: Client, operator: User, clearing_env: Path) -> None:
    account = funded_account()
    ClearingHouse(clearing_env).inject_credit(
        now=NOW, creditor_iban="DE02100200300000999999", creditor_name="X", amount="7.00"
    )
    clearing_ingest_run(now=NOW)
    credit = IncomingCredit.objects.get()
    assert "DE02100200300000999999" in client.get("/admin/payments/incomingcredit/?queue=suspense").content.decode()
    client.post(
        "/admin/payments/incomingcredit/",
        {"action": "credit_to_iban", "_selected_action": [credit.pk], "iban": account.iban, "reason_code": ""},
    )
    credit.refresh_from_db()
    assert credit.status == IncomingStatus.RESOLVED
    assert credit.resolved_by == f"staff:{operator.pk}"


def test_manual_return_from_the_queue(client: Client, operator: User, clearing_env: Path) -> None:
    ClearingHouse(clearing_env).inject_credit(
        now=NOW, creditor_iban="DE02100200300000999999", creditor_name="X", amount="7.00"
    )
    clearing_ingest_run(now=NOW)
    credit = IncomingCredit.objects.get()
    client.post(
        "/admin/payments/incomingcredit/",
        {"action": "return_to_payer", "_selected_action": [credit.pk], "iban": "", "reason_code": "AC01"},
    )
    credit.refresh_from_db()
    assert (credit.status, credit.reason_code) == (IncomingStatus.RETURNED, "AC01")


def test_exceptions_are_resolved_with_a_note(client: Client, operator: User) -> None:
    account = funded_account()
    payment = accepted_payment(account=account, kind="instant", creditor_name="SIM DELAY 30")
    clearing_tick_run(now=NOW)
    clearing_tick_run(now=NOW + timedelta(seconds=40))
    exception = ClearingException.objects.get(payment=payment)
    assert "Acceptance after a rejection" in client.get("/admin/payments/clearingexception/").content.decode()
    client.post(
        "/admin/payments/clearingexception/",
        {"action": "resolve", "_selected_action": [exception.pk], "note": "payee's bank asked to return it"},
    )
    exception.refresh_from_db()
    assert exception.resolved_by == f"staff:{operator.pk}"
    assert exception.resolution == "payee's bank asked to return it"
