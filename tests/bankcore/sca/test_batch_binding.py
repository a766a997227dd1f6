"""A bulk file's approval is bound to its total and its payees (RTS art. 5 for batches)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction

from bankcore.money import Money
from bankcore.sca import services as sca
from bankcore.sca.selectors import BATCH_ACTION, batch_challenge_details, batch_details_hash
from tests.bankcore.sca.factories import PayerFactory, TOTPDeviceFactory
from tests.bankcore.users.otp import totp_code

A = "DE89370400440532013000"
B = "FR1420041010050500013M02606"
LINES = [(A, Money(1000, "EUR")), (B, Money(2550, "EUR"))]


class TestDetails:
    def test_shows_count_and_total(self) -> None:
        details = batch_challenge_details(lines=LINES)
        assert (details["count"], details["total"], details["total_minor"], details["currency"]) == (
            2,
            "35.50",
            3550,
            "EUR",
        )

    def test_order_and_iban_spacing_do_not_matter(self) -> None:
        spaced = [("fr14 2004 1010 0505 0001 3M02 606", Money(2550, "EUR")), (A, Money(1000, "EUR"))]
        assert batch_details_hash(lines=spaced) == batch_details_hash(lines=LINES)

    @pytest.mark.parametrize(
        "changed",
        [
            [(A, Money(1000, "EUR")), (B, Money(2551, "EUR"))],  # one amount
            [(A, Money(2550, "EUR")), (B, Money(1000, "EUR"))],  # amounts swapped: same total
            [(A, Money(1000, "EUR")), ("DE02120300000000202051", Money(2550, "EUR"))],  # a payee
            [*LINES, (A, Money(1, "EUR"))],  # one more line
            LINES[:1],  # one line fewer
        ],
    )
    def test_any_change_of_payee_or_amount_changes_the_hash(self, changed: list[tuple[str, Money]]) -> None:
        assert batch_details_hash(lines=changed) != batch_details_hash(lines=LINES)

    def test_one_currency_and_at_least_one_line(self) -> None:
        with pytest.raises(ValueError, match="one currency"):
            batch_challenge_details(lines=[(A, Money(1, "EUR")), (B, Money(1, "USD"))])
        with pytest.raises(ValueError, match="at least one"):
            batch_challenge_details(lines=[])


@pytest.mark.django_db
def test_approval_of_a_batch_executes_only_that_batch(now: datetime) -> None:
    payer = PayerFactory()
    device = TOTPDeviceFactory(user=payer)
    details = batch_challenge_details(lines=LINES)
    cid = sca.challenge_confirm(
        user_id=payer.pk, action=BATCH_ACTION, details=details, otp_token=totp_code(device), now=now
    )
    tampered = [(A, Money(1000, "EUR")), ("DE02120300000000202051", Money(2550, "EUR"))]
    with pytest.raises(sca.ChallengeRefused) as caught, transaction.atomic():
        sca.challenge_consume(
            challenge_id=cid, user_id=payer.pk, payload_hash=batch_details_hash(lines=tampered), now=now
        )
    assert caught.value.code == "challenge_mismatch"
    with transaction.atomic():
        sca.challenge_consume(challenge_id=cid, user_id=payer.pk, payload_hash=batch_details_hash(lines=LINES), now=now)
