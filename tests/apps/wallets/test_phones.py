"""Receiving by phone: only a number its holder verified with a texted code is found by a P2P send."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.test import Client

from apps.wallets.errors import WalletRefused
from apps.wallets.models import PhoneClaim, WalletPhone
from apps.wallets.services import phones, transfers
from apps.wallets.services.wallets import wallet_open
from bankcore.money import Money
from bankcore.notifications.models import Notification
from bankcore.testing.access import login_verified
from bankcore.users.models import User
from tests.apps.wallets.factories import customer, funded_wallet, key, texted_code, verified_phone

pytestmark = pytest.mark.django_db

MOBILE = "+49 151 1234 5678"
E164 = "+4915112345678"


def refused(call, code: str) -> WalletRefused:  # type: ignore[no-untyped-def]
    with pytest.raises(WalletRefused) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


def send_by_phone(sender: User, number: str, now: datetime) -> transfers.TransferResult:
    source = funded_wallet(sender, now=now)
    return transfers.p2p_send(
        customer_id=sender.pk, source_wallet_id=source.pk, address=number, amount=Money.of("5.00", "EUR"), note="",
        idempotency_key=key(), now=now,
    )  # fmt: skip


class TestNumbers:
    @pytest.mark.parametrize(
        ("typed", "e164"),
        [("+49 151 1234 5678", E164), ("0049 151 12345678", E164), ("+1 (202) 555-0101", "+12025550101")],
    )
    def test_a_mobile_number_is_kept_in_e164(self, typed: str, e164: str) -> None:
        assert phones.phone_normalise(typed) == e164

    @pytest.mark.parametrize("typed", ["", "0151 1234 5678", "+49 151", "+44 20 7946 0958", "call me", "+999 1234567"])
    def test_anything_else_is_refused(self, typed: str) -> None:
        refused(lambda: phones.phone_normalise(typed), "invalid_phone")


class TestVerification:
    def test_an_unverified_number_finds_nobody_and_a_verified_one_does(self, now: datetime) -> None:
        alice, bob = customer(), customer()
        target = wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        refused(lambda: send_by_phone(alice, E164, now), "unknown_recipient")
        phones.phone_verify(customer_id=bob.pk, code=texted_code(bob), now=now)
        result = send_by_phone(alice, E164, now)
        assert result.status == "completed"
        assert WalletPhone.objects.get(phone=E164).customer_id == bob.pk
        assert target.pk

    def test_the_code_is_texted_and_only_its_keyed_hash_is_stored(self, now: datetime) -> None:
        bob = customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        sms = Notification.objects.get(customer=bob, kind="wallets.sms")
        code = texted_code(bob)
        assert sms.title == "Text message to +49 1511 2345678"
        assert not sms.email_wanted  # a code belongs to the phone, not the mailbox
        stored = json.dumps(list(PhoneClaim.objects.values()), default=str)
        assert code not in stored
        assert PhoneClaim.objects.get(customer=bob).code_hash not in (code, "")

    def test_a_wrong_code_counts_and_five_end_the_code(self, now: datetime) -> None:
        bob = customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        code = texted_code(bob)
        wrong = "000000" if code != "000000" else "111111"
        message = refused(lambda: phones.phone_verify(customer_id=bob.pk, code=wrong, now=now), "code_wrong")
        assert str(message) == "That code is not right. 4 tries left."
        for _ in range(4):
            refused(lambda: phones.phone_verify(customer_id=bob.pk, code=wrong, now=now), "code_wrong")
        refused(lambda: phones.phone_verify(customer_id=bob.pk, code=code, now=now), "code_attempts")
        assert not WalletPhone.objects.exists()

    def test_a_code_expires_after_ten_minutes_and_is_used_once(self, now: datetime) -> None:
        bob = customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        code = texted_code(bob)
        late = now + timedelta(minutes=10)
        refused(lambda: phones.phone_verify(customer_id=bob.pk, code=code, now=late), "code_expired")
        phones.phone_code_resend(customer_id=bob.pk, now=late)
        fresh = texted_code(bob)
        assert phones.phone_verify(customer_id=bob.pk, code=fresh, now=late) == E164
        refused(lambda: phones.phone_verify(customer_id=bob.pk, code=fresh, now=late), "no_phone_claim")

    def test_codes_are_rate_limited_whatever_the_number(self, now: datetime) -> None:
        bob = customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        soon = now + timedelta(seconds=30)
        refused(lambda: phones.phone_code_resend(customer_id=bob.pk, now=soon), "code_rate_limited")
        refused(
            lambda: phones.phone_claim(customer_id=bob.pk, phone="+4915198765432", now=soon),
            "code_rate_limited",
        )
        for minute in range(1, 5):
            phones.phone_code_resend(customer_id=bob.pk, now=now + timedelta(minutes=minute))
        refused(lambda: phones.phone_code_resend(customer_id=bob.pk, now=now + timedelta(hours=2)), "code_rate_limited")
        phones.phone_code_resend(customer_id=bob.pk, now=now + timedelta(days=1))
        assert Notification.objects.filter(customer=bob, kind="wallets.sms").count() == 6


class TestOneHolder:
    def test_a_second_claim_answers_the_same_and_its_code_reaches_only_the_holder(self, now: datetime) -> None:
        bob, mallory, carol = customer(), customer(), customer()
        verified_phone(bob, MOBILE, now=now)
        bobs_texts = Notification.objects.filter(customer=bob, kind="wallets.sms").count()
        # Mallory asks for bob's number, carol for a free one: the very same answer.
        assert phones.phone_claim(customer_id=mallory.pk, phone=MOBILE, now=now) == E164
        assert phones.phone_claim(customer_id=carol.pk, phone="+4915198765432", now=now) == "+4915198765432"
        assert not Notification.objects.filter(customer=mallory, kind="wallets.sms").exists()
        assert Notification.objects.filter(customer=bob, kind="wallets.sms").count() == bobs_texts + 1
        message = refused(lambda: phones.phone_verify(customer_id=mallory.pk, code="123456", now=now), "code_wrong")
        assert str(message) == "That code is not right. 4 tries left."  # what anyone mistyping reads

    def test_even_with_the_holders_code_the_number_stays_the_holders(self, now: datetime) -> None:
        alice, bob, mallory = customer(), customer(), customer()
        wallet_open(customer_id=bob.pk, currency="EUR", now=now)
        verified_phone(bob, MOBILE, now=now)
        phones.phone_claim(customer_id=mallory.pk, phone=MOBILE, now=now)
        tricked = texted_code(bob)  # bob was talked into reading it out
        refused(lambda: phones.phone_verify(customer_id=mallory.pk, code=tricked, now=now), "phone_unavailable")
        assert list(WalletPhone.objects.values_list("customer_id", flat=True)) == [bob.pk]
        assert transfers.recipient_resolve(address=E164) == bob.pk
        assert send_by_phone(alice, E164, now).status == "completed"

    def test_another_customers_code_verifies_nothing(self, now: datetime) -> None:
        bob, mallory = customer(), customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=now)
        refused(lambda: phones.phone_verify(customer_id=mallory.pk, code=texted_code(bob), now=now), "no_phone_claim")
        assert not WalletPhone.objects.exists()
        assert phones.phone_verify(customer_id=bob.pk, code=texted_code(bob), now=now) == E164


class TestPage:
    def test_add_then_verify_with_a_bad_code_shown_on_the_page(self) -> None:
        bob = customer()
        client = Client()
        login_verified(client, bob)
        assert client.get("/app/wallets/phone/").status_code == 200
        bad = client.post("/app/wallets/phone/", {"phone": "12345"})
        assert bad.status_code == 200
        assert b"Write a mobile number with its country code" in bad.content
        added = client.post("/app/wallets/phone/", {"phone": MOBILE}, follow=True)
        assert b"We sent a code to +49 1511 2345678. Enter it below." in added.content
        wrong = client.post("/app/wallets/phone/verify/", {"code": "12"})
        assert wrong.status_code == 200
        assert b"That code is not right. 4 tries left." in wrong.content
        done = client.post("/app/wallets/phone/verify/", {"code": texted_code(bob)}, follow=True)
        assert b"people can now send you money at +49 1511 2345678" in done.content

    def test_the_page_shows_only_ones_own_number(self) -> None:
        bob, mallory = customer(), customer()
        phones.phone_claim(customer_id=bob.pk, phone=MOBILE, now=datetime.now().astimezone())
        client = Client()
        login_verified(client, mallory)
        page = client.get("/app/wallets/phone/")
        assert page.status_code == 200
        assert b"12345678" not in page.content
        assert b"Ask for a code first." in client.post("/app/wallets/phone/verify/", {"code": texted_code(bob)}).content
        assert not WalletPhone.objects.exists()

    def test_signed_out_is_sent_to_sign_in(self) -> None:
        for path in ("/app/wallets/phone/", "/app/wallets/phone/verify/", "/app/wallets/phone/resend/"):
            response = Client().post(path, {"code": "123456"})
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]
