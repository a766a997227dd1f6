"""SCA exemptions per payer: the low-value limits to the cent and the slot, the others recorded, SCA resets."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from bankcore.money import Money
from bankcore.sca import services as sca
from bankcore.sca.models import Exemption, ExemptionUse
from bankcore.sca.selectors import details_hash
from bankcore.users.models import User
from tests.bankcore.sca.factories import PayerFactory, RateFactory, TOTPDeviceFactory
from tests.bankcore.users.otp import totp_code

pytestmark = pytest.mark.django_db


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def payer() -> User:
    return PayerFactory()


def evaluate(payer: User, amount: Money, now: datetime, **flags: bool) -> str | None:
    view = sca.sca_exemption_evaluate(payer_id=payer.pk, amount=amount, now=now, **flags)
    return view.exemption if view is not None else None


def apply(payer: User, amount: Money, ref: str, now: datetime, exemption: str = Exemption.LOW_VALUE) -> None:
    with transaction.atomic():
        sca.sca_exemption_apply(payer_id=payer.pk, exemption=exemption, amount=amount, ref=ref, now=now)


def refused(payer: User, amount: Money, ref: str, now: datetime, exemption: str = Exemption.LOW_VALUE) -> str:
    with pytest.raises(sca.ExemptionRefused) as caught:
        apply(payer, amount, ref, now, exemption)
    return caught.value.code


class TestLowValue:
    def test_thirty_euros_is_exempt_and_one_cent_more_is_not(self, payer: User, now: datetime) -> None:
        assert evaluate(payer, eur("30.00"), now) == "low_value"
        assert evaluate(payer, eur("30.01"), now) is None
        assert refused(payer, eur("30.01"), "p:1", now) == "exemption_amount_too_high"
        apply(payer, eur("30.00"), "p:2", now)
        assert ExemptionUse.objects.get(ref="p:2").exemption == "low_value"

    def test_the_fifth_is_exempt_and_the_sixth_is_not(self, payer: User, now: datetime) -> None:
        for n in range(5):
            assert evaluate(payer, eur("1.00"), now) == "low_value"
            apply(payer, eur("1.00"), f"p:{n}", now)
        counter = sca.sca_exemption_counter(payer_id=payer.pk)
        assert (counter.exempt_count, counter.exempt_eur) == (5, eur("5.00"))
        assert evaluate(payer, eur("0.01"), now) is None
        assert refused(payer, eur("0.01"), "p:6", now) == "exemption_exhausted"

    def test_cumulative_one_hundred_euros_is_the_last_exempt_cent(self, payer: User, now: datetime) -> None:
        for n in range(3):
            apply(payer, eur("30.00"), f"p:{n}", now)
        assert evaluate(payer, eur("10.01"), now) is None
        assert refused(payer, eur("10.01"), "p:x", now) == "exemption_exhausted"
        assert evaluate(payer, eur("10.00"), now) == "low_value"
        apply(payer, eur("10.00"), "p:3", now)
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_eur == eur("100.00")
        assert evaluate(payer, eur("0.01"), now) is None

    def test_other_currencies_count_in_euros_at_the_reference_rate(self, payer: User, now: datetime) -> None:
        RateFactory(base="EUR", quote="USD", mid=Decimal("1.25"), as_of=now - timedelta(hours=1))
        # 37.50 USD is 30.00 EUR; 37.52 USD is 30.02 EUR (half-even to the cent).
        assert evaluate(payer, Money.of("37.50", "USD"), now) == "low_value"
        assert evaluate(payer, Money.of("37.52", "USD"), now) is None
        apply(payer, Money.of("37.50", "USD"), "p:usd", now)
        assert ExemptionUse.objects.get(ref="p:usd").amount_eur_minor == 3000
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_eur == eur("30.00")

    def test_without_a_rate_a_foreign_payment_is_not_low_value(self, payer: User, now: datetime) -> None:
        assert evaluate(payer, Money.of("1.00", "GBP"), now) is None
        assert refused(payer, Money.of("1.00", "GBP"), "p:gbp", now) == "exemption_rate_unavailable"

    def test_zero_is_never_exempt(self, payer: User, now: datetime) -> None:
        assert evaluate(payer, eur("0.00"), now) is None

    def test_counters_are_per_payer(self, payer: User, now: datetime) -> None:
        for n in range(5):
            apply(payer, eur("1.00"), f"p:{n}", now)
        other = PayerFactory()
        assert evaluate(other, eur("1.00"), now) == "low_value"


class TestOtherExemptions:
    @pytest.mark.parametrize(
        ("flag", "exemption"),
        [
            ("own_accounts", "own_accounts"),
            ("secure_corporate", "secure_corporate"),
            ("trusted_beneficiary", "trusted_beneficiary"),
        ],
    )
    def test_applies_whatever_the_amount_and_counts_towards_low_value(
        self, payer: User, now: datetime, flag: str, exemption: str
    ) -> None:
        assert evaluate(payer, eur("5000.00"), now, **{flag: True}) == exemption
        apply(payer, eur("5000.00"), "p:big", now, exemption=exemption)
        use = ExemptionUse.objects.get(ref="p:big")
        assert (use.payer_id, use.exemption, use.amount_minor) == (payer.pk, exemption, 500000)
        # Art. 16 counts every payment made without SCA since the last SCA.
        assert evaluate(payer, eur("1.00"), now) is None

    def test_own_accounts_is_preferred_over_low_value(self, payer: User, now: datetime) -> None:
        assert evaluate(payer, eur("1.00"), now, own_accounts=True, trusted_beneficiary=True) == "own_accounts"


class TestApply:
    def test_same_ref_twice_counts_once(self, payer: User, now: datetime) -> None:
        apply(payer, eur("10.00"), "payment:1", now)
        apply(payer, eur("10.00"), "payment:1", now)
        assert ExemptionUse.objects.filter(ref="payment:1").count() == 1
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_count == 1

    def test_same_ref_with_other_details_is_refused(self, payer: User, now: datetime) -> None:
        apply(payer, eur("10.00"), "payment:1", now)
        assert refused(payer, eur("10.01"), "payment:1", now) == "exemption_ref_reused"
        other = PayerFactory()
        assert refused(other, eur("10.00"), "payment:1", now) == "exemption_ref_reused"

    def test_a_retry_after_the_allowance_ran_out_finds_its_own_use(self, payer: User, now: datetime) -> None:
        for n in range(5):
            apply(payer, eur("1.00"), f"payment:{n}", now)
        apply(payer, eur("1.00"), "payment:4", now)  # the fifth again, retried: not a sixth
        assert refused(payer, eur("1.00"), "payment:5", now) == "exemption_exhausted"
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_count == 5

    def test_a_refused_reuse_leaves_the_callers_transaction_usable(self, payer: User, now: datetime) -> None:
        apply(payer, eur("10.00"), "payment:1", now)
        other = PayerFactory()
        with transaction.atomic():
            with pytest.raises(sca.ExemptionRefused):
                sca.sca_exemption_apply(
                    payer_id=other.pk, exemption="low_value", amount=eur("10.00"), ref="payment:1", now=now
                )
            assert ExemptionUse.objects.filter(ref="payment:1").get().payer_id == payer.pk  # still answers
        assert sca.sca_exemption_counter(payer_id=other.pk).exempt_count == 0

    @pytest.mark.django_db(transaction=True)  # no test transaction around it: really outside one
    def test_outside_a_transaction_is_refused(self, payer: User, now: datetime) -> None:
        with pytest.raises(sca.ExemptionRefused) as caught:
            sca.sca_exemption_apply(payer_id=payer.pk, exemption="low_value", amount=eur("1.00"), ref="r", now=now)
        assert caught.value.code == "exemption_outside_transaction"

    def test_unknown_exemption_is_refused(self, payer: User, now: datetime) -> None:
        assert refused(payer, eur("1.00"), "r", now, exemption="friendly_face") == "exemption_unknown"

    def test_a_rolled_back_payment_leaves_no_exemption(self, payer: User, now: datetime) -> None:
        def pay() -> None:
            with transaction.atomic():
                sca.sca_exemption_apply(payer_id=payer.pk, exemption="low_value", amount=eur("1.00"), ref="r", now=now)
                raise RuntimeError("the ledger refused")

        with pytest.raises(RuntimeError):
            pay()
        assert not ExemptionUse.objects.exists()
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_count == 0


class TestResetBySca:
    def _consume(self, payer: User, action: str, now: datetime) -> None:
        device = TOTPDeviceFactory(user=payer)
        details = {"amount": "50.00", "currency": "EUR", "payee": "DE89370400440532013000"}
        cid = sca.challenge_confirm(
            user_id=payer.pk, action=action, details=details, otp_token=totp_code(device), now=now
        )
        with transaction.atomic():
            sca.challenge_consume(
                challenge_id=cid, user_id=payer.pk, payload_hash=details_hash(action=action, details=details), now=now
            )

    @pytest.mark.parametrize("action", ["payment", "payment_batch", "wallet_transfer", "payment_consent"])
    def test_sca_of_a_payment_starts_the_count_again(self, payer: User, now: datetime, action: str) -> None:
        for n in range(5):
            apply(payer, eur("1.00"), f"p:{n}", now)
        assert evaluate(payer, eur("1.00"), now) is None
        self._consume(payer, action, now + timedelta(minutes=1))
        counter = sca.sca_exemption_counter(payer_id=payer.pk)
        assert (counter.exempt_count, counter.exempt_eur, counter.last_sca_at) == (
            0,
            eur("0.00"),
            now + timedelta(minutes=1),
        )
        assert evaluate(payer, eur("30.00"), now) == "low_value"

    def test_sca_of_something_else_does_not(self, payer: User, now: datetime) -> None:
        for n in range(5):
            apply(payer, eur("1.00"), f"p:{n}", now)
        self._consume(payer, "email_change", now)
        assert sca.sca_exemption_counter(payer_id=payer.pk).exempt_count == 5
