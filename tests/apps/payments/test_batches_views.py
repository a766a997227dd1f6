"""Bulk payout pages: upload, progress, approval, results; a bad file shows why; others get 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone

from apps.payments.models import BatchStatus, PaymentBatch
from apps.payments.services import validation
from bankcore.testing.access import assert_access, login_verified
from tests.apps.payments.batch_factories import Row, business, csv_bytes, pain001_bytes, review_rule
from tests.apps.payments.factories import Payer, payer


@pytest.fixture
def acme() -> Payer:
    return business(balance="5000.00")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0.00", full_name="Bob Builder")


def signed_in(client: Client, who: Payer) -> Client:
    login_verified(client, who.user)
    return client


def post_file(client: Client, owner: Payer, data: bytes, name: str = "payouts.csv", **extra: Any) -> Any:
    body = {"source_account": owner.account.pk, "file": SimpleUploadedFile(name, data), "upload_token": "t1", **extra}
    with TestCase.captureOnCommitCallbacks(execute=True):  # the checks, enqueued after commit, run at once
        return client.post("/app/payments/batches/new/", body)


def test_upload_approve_and_see_each_line(client: Client, acme: Payer, bob: Payer) -> None:
    signed_in(client, acme)
    assert client.get("/app/payments/batches/new/").status_code == 200
    rows = [Row("Bob Builder", bob.account.iban, "30.00"), Row("Broken", "DE00370400440532013000", "1.00")]
    uploaded = post_file(client, acme, csv_bytes(rows))
    assert uploaded.status_code == 302
    batch = PaymentBatch.objects.get()
    page = client.get(uploaded["Location"])
    assert batch.status == BatchStatus.AWAITING_SCA
    assert b"Approve with your code" in page.content
    assert b"check digits are wrong" in page.content
    wrong = client.post(f"/app/payments/batches/{batch.pk}/authorise/", {"otp_token": "000000"})
    assert wrong.status_code == 200
    assert b"That code is not right" in wrong.content
    acme.device.refresh_from_db()
    acme.device.throttle_reset()  # the authenticator's own back-off after a wrong code
    with TestCase.captureOnCommitCallbacks(execute=True):
        approved = client.post(f"/app/payments/batches/{batch.pk}/authorise/", {"otp_token": acme.code()})
    assert approved.status_code == 302, re.findall(r'role="alert">(.*?)</', approved.content.decode(), re.S)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETED_WITH_ERRORS
    done = client.get(f"/app/payments/batches/{batch.pk}/progress/")
    assert b"hx-get" not in done.content  # finished: the page stops polling
    assert b"Paid" in client.get(f"/app/payments/batches/{batch.pk}/").content
    assert str(batch.pk).encode() in client.get("/app/payments/batches/").content


def test_the_same_submit_twice_makes_one_batch(client: Client, acme: Payer, bob: Payer) -> None:
    signed_in(client, acme)
    data = csv_bytes([Row("Bob Builder", bob.account.iban, "30.00")])
    first, again = post_file(client, acme, data), post_file(client, acme, data)
    assert first["Location"] == again["Location"]
    assert PaymentBatch.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"who,what\nx,y\n", "payouts.csv", b"must name the columns"),
        (b"<oops", "payouts.xml", b"not XML"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.10"><Nope/></Document>', "p.xml", b"not valid"),
        (b"\xff\xfe\x00bin", "payouts.csv", b"not UTF-8"),
    ],
)
def test_a_bad_file_shows_why_and_writes_nothing(
    client: Client, acme: Payer, data: bytes, name: str, message: bytes
) -> None:
    signed_in(client, acme)
    refused = post_file(client, acme, data, name=name)
    assert refused.status_code == 200
    assert message in refused.content
    assert PaymentBatch.objects.count() == 0


def test_a_person_is_told_bulk_payouts_are_for_businesses(client: Client, bob: Payer) -> None:
    other = payer(full_name="Carol Jones")
    signed_in(client, bob)
    refused = post_file(client, bob, csv_bytes([Row("Carol Jones", other.account.iban, "1.00")]))
    assert refused.status_code == 200
    assert b"for business customers" in refused.content


def test_a_pain001_file_is_taken(client: Client, acme: Payer, bob: Payer) -> None:
    signed_in(client, acme)
    today = validation.bank_today(timezone.now())
    document = pain001_bytes([Row("Bob Builder", bob.account.iban, "1.50")], debtor_iban=acme.account.iban, when=today)
    assert post_file(client, acme, document, name="payouts.xml", skip_payee_check="on").status_code == 302
    batch = PaymentBatch.objects.get()
    assert (batch.source_format, batch.vop_opted_out, batch.status) == ("pain.001", True, BatchStatus.AWAITING_SCA)


def test_another_customer_gets_404_on_every_batch_url(client: Client, acme: Payer, bob: Payer) -> None:
    signed_in(client, acme)
    post_file(client, acme, csv_bytes([Row("Bob Builder", bob.account.iban, "30.00")]))
    batch = PaymentBatch.objects.get()
    rival = business(company="Rival Ltd")
    for url in (f"/app/payments/batches/{batch.pk}/", f"/app/payments/batches/{batch.pk}/progress/"):
        assert_access(client, url, owner=acme.user, other=rival.user)
    assert_access(client, f"/app/payments/batches/{batch.pk}/authorise/", owner=acme.user, other=rival.user,
                  method="POST", data={"otp_token": "000000"}, ok=(200,))  # fmt: skip
    signed_in(client, rival)
    assert f"#{batch.pk}</a>".encode() not in client.get("/app/payments/batches/").content
    assert PaymentBatch.objects.get().status == BatchStatus.AWAITING_SCA


def test_a_held_line_is_shown_held_and_the_page_stops_polling(client: Client, acme: Payer, bob: Payer) -> None:
    review_rule(amount_minor=4242)
    signed_in(client, acme)
    rows = [Row("Bob Builder", bob.account.iban, "30.00"), Row("Bob Builder", bob.account.iban, "42.42")]
    batch = PaymentBatch.objects.get(pk=post_file(client, acme, csv_bytes(rows))["Location"].split("/")[-2])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/app/payments/batches/{batch.pk}/authorise/", {"otp_token": acme.code()})
    page = client.get(f"/app/payments/batches/{batch.pk}/").content.decode()
    assert "Some payments held for a check" in page
    assert re.search(r'id="batch-held">1 \(€?\s*42\.42', page), page
    assert 'Payment</a>: <span class="payment-status">Held for review</span>' in page
    assert "hx-get" not in client.get(f"/app/payments/batches/{batch.pk}/progress/").content.decode()
    problems = client.get(f"/app/payments/batches/{batch.pk}/", {"show": "problems"}).content.decode()
    assert "Held for review" in problems
    assert "30.00" not in problems.split('id="batch-lines"')[1]
