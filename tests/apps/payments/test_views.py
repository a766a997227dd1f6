"""The portal's payment pages: the pay-someone journey, form errors, and another customer's 404."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client

from apps.payments.models import Beneficiary, Payment, StandingOrder
from apps.payments.services import initiate
from bankcore.ledger import selectors as ledger_read
from bankcore.money import Money
from bankcore.testing.access import assert_access, login_verified
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, UNKNOWN_OWN_IBAN, Payer, beneficiary, payer
from tests.apps.payments.settlement_factories import clearing_env

__all__ = ["clearing_env"]


@pytest.fixture
def alice() -> Payer:
    return payer(balance="1000.00", full_name="Alice Portal")


def review(client: Client, p: Payer, **fields: str) -> str:
    data = {"source_account": str(p.account.pk), "amount": "45.00", "reference": "Dinner", "step": "review"} | fields
    response = client.post("/app/payments/new/", data)
    assert response.status_code == 200
    return response.content.decode()


def confirm(client: Client, page: str) -> str:
    form = page[page.index('<input type="hidden" name="step" value="confirm">') :]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    data = hidden | ({"csrfmiddlewaretoken": token.group(1)} if token else {})
    response = client.post("/app/payments/new/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_pay_someone_with_the_payee_check_and_a_code(client: Client, alice: Payer) -> None:
    login_verified(client, alice.user)
    page = review(client, alice, creditor_name="Mustermann Max", creditor_iban=EXTERNAL_IBAN)
    assert 'data-result="CMTC"' in page
    assert "The account holder&#x27;s name is Max Mustermann" in page
    assert not Payment.objects.exists()  # the confirmation page writes nothing
    location = confirm(client, page)
    payment = Payment.objects.get()
    assert location == f"/app/payments/{payment.pk}/authorise/"
    assert payment.vop_result == "CMTC"
    response = client.post(location, {"otp_token": alice.code()})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "accepted"
    detail = client.get(f"/app/payments/{payment.pk}/").content.decode()
    assert "Awaiting Sca" not in detail
    assert "Checking" in detail
    assert "Accepted" in detail


def test_a_replayed_confirm_pays_once(client: Client, alice: Payer) -> None:
    bob = payer(balance="0", full_name="Bob Portal")
    login_verified(client, alice.user)
    page = review(client, alice, creditor_name="Bob Portal", creditor_iban=bob.account.iban, amount="20.00")
    first = confirm(client, page)
    second = confirm(client, page)
    assert first == second
    assert Payment.objects.count() == 1
    assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("20.00", "EUR")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"creditor_iban": "DE89370400440532013001"}, "check digits are wrong"),
        ({"creditor_iban": UNKNOWN_OWN_IBAN}, "No account of this bank has this IBAN"),
        ({"amount": "10.001"}, "at most 2 decimals"),
        ({"amount": "-5"}, "greater than zero"),
        ({"reference": "Grüße"}, "may use only letters"),
        ({"execution_date": "2020-01-01"}, "in the past"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(
    client: Client, alice: Payer, fields: dict[str, str], message: str
) -> None:
    login_verified(client, alice.user)
    page = review(client, alice, **({"creditor_name": EXTERNAL_NAME, "creditor_iban": EXTERNAL_IBAN} | fields))
    assert message in page
    assert "Pay someone" in page
    assert not Payment.objects.exists()


def test_another_customer_gets_404_everywhere(client: Client, alice: Payer, now: datetime) -> None:
    mallory = payer(balance="10.00")
    view = initiate.payment_initiate(
        customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("45.00", "EUR"),
        creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key="v", now=now,
    )  # fmt: skip
    saved = beneficiary(owner=alice)
    order = StandingOrder.objects.create(
        customer=alice.user, source_account_id=alice.account.pk, beneficiary=saved, amount_minor=100, currency="EUR",
        frequency="monthly", day_of_month=5, start_date=now.date(), next_date=now.date(), created_at=now,
        updated_at=now,
    )  # fmt: skip
    for url in [
        f"/app/payments/{view.id}/",
        f"/app/payments/{view.id}/authorise/",
        f"/app/payments/beneficiaries/{saved.pk}/",
        f"/app/payments/standing-orders/{order.pk}/",
    ]:
        assert_access(client, url, owner=alice.user, other=mallory.user)
    for url in [
        f"/app/payments/{view.id}/cancel/",
        f"/app/payments/beneficiaries/{saved.pk}/trust/",
        f"/app/payments/standing-orders/{order.pk}/pause/",
        f"/app/payments/beneficiaries/{saved.pk}/delete/",
    ]:
        assert_access(client, url, owner=alice.user, other=mallory.user, method="POST")
    assert Payment.objects.get(pk=view.id).status == "cancelled"
    assert Beneficiary.objects.get(pk=saved.pk).status == "deleted"
    login_verified(client, mallory.user)
    assert f"/app/payments/{view.id}/" not in client.get("/app/payments/").content.decode()


def test_add_a_payee_with_a_code(client: Client, alice: Payer) -> None:
    login_verified(client, alice.user)
    data = {"name": "Jan de Vries", "iban": "NL91 ABNA 0417 1643 00", "nickname": "Jan", "step": "review"}
    page = client.post("/app/payments/beneficiaries/new/", data).content.decode()
    assert "Approve with your code" in page
    assert "NL91ABNA0417164300" in page
    assert not Beneficiary.objects.exists()
    response = client.post("/app/payments/beneficiaries/new/", data | {"step": "confirm", "otp_token": alice.code()})
    assert response.status_code == 302
    saved = Beneficiary.objects.get()
    assert (saved.iban, saved.bic) == ("NL91ABNA0417164300", "ABNANL2A")


def test_pages_render(client: Client, alice: Payer, now: datetime) -> None:
    login_verified(client, alice.user)
    for url in ["/app/payments/", "/app/payments/new/", "/app/payments/beneficiaries/", "/app/payments/scheduled/",
                "/app/payments/standing-orders/new/", "/app/payments/beneficiaries/new/", "/app/"]:  # fmt: skip
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db(transaction=True)  # the inline answer runs when the payment's transaction really commits
def test_an_instant_payment_answered_inline_is_confirmed_as_it_stands(client: Client, clearing_env: Path) -> None:
    alice = payer(balance="1000.00", full_name="Alice Portal")
    login_verified(client, alice.user)
    page = review(client, alice, creditor_name="SIM REJECT AC04", creditor_iban=EXTERNAL_IBAN, instant="on")
    location = confirm(client, page)
    done = client.post(location, {"otp_token": alice.code()}, follow=True).content.decode()
    assert Payment.objects.get().status == "rejected"
    # Not "accepted: it leaves with the next settlement": the clearing house has answered already.
    assert "The payment was rejected." in done
    assert "leaves with the next settlement" not in done
