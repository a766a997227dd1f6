"""Payment initiation through the whole spine: SCA, limits, funds, fraud, the money, the events."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from apps.payments.errors import PaymentInvalid, PaymentRefused
from apps.payments.models import Payment, PaymentEvent
from apps.payments.services import initiate
from bankcore.events.models import OutboxEvent
from bankcore.ledger import selectors as ledger_read
from bankcore.ledger.models import Hold, Posting
from bankcore.money import Money
from bankcore.sca import services as sca
from bankcore.sca.models import Challenge
from tests.apps.payments.factories import EXTERNAL_IBAN, EXTERNAL_NAME, UNKNOWN_OWN_IBAN, Payer, beneficiary, payer


def pay(p: Payer, *, to: str, name: str, amount: str = "45.00", key: str = "k1", now: datetime, **kw: object):
    return initiate.payment_initiate(
        customer_id=p.id,
        source_account_id=p.account.pk,
        amount=Money.of(amount, "EUR") if amount != "0" else Money(0, "EUR"),
        creditor_name=name,
        creditor_iban=to,
        idempotency_key=key,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def available(p: Payer) -> Money:
    return ledger_read.available_balance(account_id=p.account.ledger_account_id)


def statuses(payment_id: int) -> list[str]:
    return list(
        PaymentEvent.objects.filter(payment_id=payment_id).order_by("at", "id").values_list("to_status", flat=True)
    )


@pytest.fixture
def alice() -> Payer:
    return payer(balance="1000.00", full_name="Alice Example")


@pytest.fixture
def bob() -> Payer:
    return payer(balance="0", full_name="Bob Builder")


class TestInternal:
    def test_without_sca_it_waits_with_a_challenge_bound_to_amount_and_payee(
        self, alice: Payer, bob: Payer, now: datetime
    ) -> None:
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now)
        assert view.status == "awaiting_sca"
        challenge = Challenge.objects.get(pk=view.sca_challenge_id)
        assert challenge.details == {
            "amount": "45.00",
            "currency": "EUR",
            "creditor_iban": bob.account.iban,
            "creditor_name": "Bob Builder",
        }
        assert available(alice) == Money.of("1000.00", "EUR")

    def test_authorised_it_is_booked_at_once(self, alice: Payer, bob: Payer, now: datetime) -> None:
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now)
        done = initiate.payment_authorise(customer_id=alice.id, payment_id=view.id, otp_token=alice.code(), now=now)
        assert done.status == "settled"
        assert done.kind == "internal"
        assert done.vop_result == "MTCH"
        assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("45.00", "EUR")
        assert ledger_read.balance(account_id=alice.account.ledger_account_id) == Money.of("955.00", "EUR")
        assert statuses(view.id) == ["awaiting_sca", "checking", "accepted", "settled"]
        names = set(OutboxEvent.objects.values_list("name", flat=True))
        assert {"payment.created", "payment.accepted", "payment.settled"} <= names
        assert Challenge.objects.get(pk=view.sca_challenge_id).status == "used"

    def test_a_double_submitted_code_pays_once(self, alice: Payer, bob: Payer, now: datetime) -> None:
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now)
        code = alice.code()
        first = initiate.payment_authorise(customer_id=alice.id, payment_id=view.id, otp_token=code, now=now)
        again = initiate.payment_authorise(customer_id=alice.id, payment_id=view.id, otp_token=code, now=now)
        assert first.status == again.status == "settled"
        assert Posting.objects.filter(entry_id=first.entry_id).count() == 2
        assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("45.00", "EUR")

    def test_a_wrong_code_leaves_it_waiting(self, alice: Payer, bob: Payer, now: datetime) -> None:
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now)
        with pytest.raises(sca.ChallengeRefused) as refused:
            initiate.payment_authorise(customer_id=alice.id, payment_id=view.id, otp_token="000000", now=now)
        assert refused.value.code == "invalid_otp"
        assert Payment.objects.get(pk=view.id).status == "awaiting_sca"

    def test_a_pre_approved_challenge_is_consumed_in_the_payment(self, alice: Payer, bob: Payer, now: datetime) -> None:
        details = {
            "amount": "45.00",
            "currency": "EUR",
            "creditor_iban": bob.account.iban,
            "creditor_name": "Bob Builder",
        }
        challenge_id = sca.challenge_confirm(
            user_id=alice.id, action="payment", details=details, otp_token=alice.code(), now=now
        )
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now, sca_challenge_id=challenge_id)
        assert view.status == "settled"
        with pytest.raises(sca.ChallengeRefused):  # one approval, one payment
            pay(alice, to=bob.account.iban, name="Bob Builder", key="k2", now=now, sca_challenge_id=challenge_id)
        assert Payment.objects.filter(customer_id=alice.id).count() == 1

    def test_a_challenge_for_another_amount_is_refused(self, alice: Payer, bob: Payer, now: datetime) -> None:
        details = {
            "amount": "1.00",
            "currency": "EUR",
            "creditor_iban": bob.account.iban,
            "creditor_name": "Bob Builder",
        }
        challenge_id = sca.challenge_confirm(
            user_id=alice.id, action="payment", details=details, otp_token=alice.code(), now=now
        )
        with pytest.raises(sca.ChallengeRefused) as refused:
            pay(alice, to=bob.account.iban, name="Bob Builder", now=now, sca_challenge_id=challenge_id)
        assert refused.value.code == "challenge_mismatch"
        assert not Payment.objects.exists()

    def test_low_value_is_exempt_until_the_kernel_counter_says_otherwise(
        self, alice: Payer, bob: Payer, now: datetime
    ) -> None:
        done = [
            pay(alice, to=bob.account.iban, name="Bob Builder", amount="20.00", key=f"lv{n}", now=now) for n in range(6)
        ]
        assert [v.sca_exemption for v in done[:5]] == ["low_value"] * 5
        assert [v.status for v in done[:5]] == ["settled"] * 5
        assert (done[5].status, done[5].sca_exemption) == ("awaiting_sca", "")  # 100 EUR reached

    def test_to_own_account_is_exempt(self, alice: Payer, now: datetime) -> None:
        from apps.accounts.services import opening

        savings_id = opening.account_open_for_customer(
            customer_id=alice.id, product_code="savings", currency="EUR", now=now
        )
        from apps.accounts.models import Account

        savings = Account.objects.get(pk=savings_id)
        view = pay(alice, to=savings.iban, name="Alice Example", now=now)
        assert (view.status, view.sca_exemption) == ("settled", "own_accounts")

    def test_without_funds_it_is_rejected_am04_and_nothing_moves(self, alice: Payer, bob: Payer, now: datetime) -> None:
        view = pay(alice, to=bob.account.iban, name="Bob Builder", amount="1000.01", now=now, sca_exemption="test")
        assert (view.status, view.reason_code) == ("rejected", "AM04")
        assert available(alice) == Money.of("1000.00", "EUR")
        assert not Hold.objects.filter(account_id=alice.account.ledger_account_id, status="active").exists()

    def test_over_the_kyc_limit_it_is_rejected_am02(self, bob: Payer, now: datetime) -> None:
        basic = payer(balance="500.00", tier=1)
        view = pay(basic, to=bob.account.iban, name="Bob Builder", amount="60.00", now=now, sca_exemption="test")
        assert (view.status, view.reason_code) == ("rejected", "AM02")
        assert available(basic) == Money.of("500.00", "EUR")

    def test_future_dated_reserves_now_and_books_on_its_day(self, alice: Payer, bob: Payer, now: datetime) -> None:
        from apps.payments.services import standing_orders

        later = date(2026, 11, 20)
        view = pay(alice, to=bob.account.iban, name="Bob Builder", now=now, execution_date=later, sca_exemption="t")
        assert view.status == "accepted"
        assert available(alice) == Money.of("955.00", "EUR")
        assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.zero("EUR")
        assert standing_orders.scheduled_payments_run(now=now) == 0
        on_the_day = now + timedelta(days=18)
        assert standing_orders.scheduled_payments_run(now=on_the_day) == 1
        assert standing_orders.scheduled_payments_run(now=on_the_day) == 0
        assert Payment.objects.get(pk=view.id).status == "settled"
        assert ledger_read.balance(account_id=bob.account.ledger_account_id) == Money.of("45.00", "EUR")


class TestExternal:
    def test_sepa_holds_the_funds_and_waits_in_accepted(self, alice: Payer, now: datetime) -> None:
        view = pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="test")
        assert (view.status, view.kind, view.creditor_bic) == ("accepted", "sepa", "COBADEFFXXX")
        assert view.vop_result == "MTCH"
        assert available(alice) == Money.of("955.00", "EUR")
        assert ledger_read.balance(account_id=alice.account.ledger_account_id) == Money.of("1000.00", "EUR")
        hold = Hold.objects.get(pk=view.hold_id)
        assert (hold.status, hold.amount_minor) == ("active", 4500)
        assert len(view.tx_id) <= 35
        assert view.end_to_end_id == view.tx_id  # made when the customer gave none

    def test_instant_is_its_own_kind(self, alice: Payer, now: datetime) -> None:
        view = pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="test", instant=True)
        assert view.kind == "instant"

    @pytest.mark.parametrize(
        ("name", "result", "matched"),
        [
            ("Mustermann Max", "CMTC", "Max Mustermann"),
            ("Erika Musterfrau", "NMTC", ""),
            ("SIM VOP NOAP", "NOAP", ""),
            ("SIM VOP CMTC", "CMTC", "SIM VOP HOLDER"),
        ],
    )
    def test_the_payee_check_is_stored(self, alice: Payer, now: datetime, name: str, result: str, matched: str) -> None:
        view = pay(alice, to=EXTERNAL_IBAN, name=name, now=now, sca_exemption="test")
        assert (view.vop_result, view.vop_name) == (result, matched)

    def test_trusted_beneficiary_is_exempt(self, alice: Payer, now: datetime) -> None:
        saved = beneficiary(owner=alice, trusted=True)
        view = initiate.payment_initiate(
            customer_id=alice.id, source_account_id=alice.account.pk, amount=Money.of("45.00", "EUR"),
            creditor_name="", creditor_iban="", beneficiary_id=saved.pk, idempotency_key="b1", now=now,
        )  # fmt: skip
        assert (view.status, view.sca_exemption, view.creditor_name) == (
            "accepted",
            "trusted_beneficiary",
            EXTERNAL_NAME,
        )

    def test_a_non_euro_external_payment_is_refused(self, now: datetime) -> None:
        usd = payer(balance="100.00", currency="USD")
        with pytest.raises(PaymentInvalid) as refused:
            initiate.payment_initiate(
                customer_id=usd.id, source_account_id=usd.account.pk, amount=Money.of("5.00", "USD"),
                creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key="u1", now=now,
            )  # fmt: skip
        assert refused.value.code == "external_not_eur"
        assert not Payment.objects.exists()


class TestRefusals:
    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"to": "DE89370400440532013001"}, "iban_checksum"),
            ({"to": UNKNOWN_OWN_IBAN}, "payee_account_unknown"),
            ({"to": UNKNOWN_OWN_IBAN, "instant": True}, "payee_account_unknown"),
            ({"amount": "0"}, "amount_not_positive"),
            ({"reference": "Grüße"}, "reference_charset"),
            ({"reference": "x" * 141}, "reference_too_long"),
            ({"execution_date": date(2026, 11, 1)}, "date_in_past"),
            ({"execution_date": date(2027, 12, 1)}, "date_too_far"),
        ],
    )
    def test_nothing_is_written(self, alice: Payer, now: datetime, change: dict[str, object], code: str) -> None:
        args: dict[str, object] = {"to": EXTERNAL_IBAN, "name": EXTERNAL_NAME, "amount": "10.00"} | change
        amount = str(args.pop("amount"))
        with pytest.raises(PaymentInvalid) as refused:
            pay(alice, amount=amount, now=now, **args)  # type: ignore[arg-type]
        assert refused.value.code == code
        assert not Payment.objects.exists()
        assert not OutboxEvent.objects.filter(name__startswith="payment.").exists()

    def test_an_iban_of_this_bank_that_no_account_has_is_refused_on_its_field(
        self, alice: Payer, now: datetime
    ) -> None:
        # DESIGN.md §5: a payment to an IBAN of this bank is internal; it must never go to the clearing house.
        with pytest.raises(PaymentInvalid) as refused:
            pay(alice, to="DE85 1002 0030 0000 9999 99", name="Nobody Here", now=now, sca_exemption="test")
        assert (refused.value.code, refused.value.field) == ("payee_account_unknown", "creditor_iban")
        assert not Payment.objects.exists()
        assert not Hold.objects.exists()

    def test_paying_the_same_account_is_refused(self, alice: Payer, now: datetime) -> None:
        with pytest.raises(PaymentInvalid) as refused:
            pay(alice, to=alice.account.iban, name="Alice Example", now=now)
        assert refused.value.code == "same_account"

    def test_another_customers_account_cannot_pay(self, alice: Payer, bob: Payer, now: datetime) -> None:
        with pytest.raises(PaymentInvalid) as refused:
            initiate.payment_initiate(
                customer_id=bob.id, source_account_id=alice.account.pk, amount=Money.of("1.00", "EUR"),
                creditor_name=EXTERNAL_NAME, creditor_iban=EXTERNAL_IBAN, idempotency_key="x", now=now,
            )  # fmt: skip
        assert refused.value.code == "unknown_account"


class TestIdempotency:
    def test_same_key_same_request_is_one_payment(self, alice: Payer, now: datetime) -> None:
        first = pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="t")
        again = pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="t")
        assert again.id == first.id
        assert Hold.objects.filter(account_id=alice.account.ledger_account_id).count() == 1
        assert available(alice) == Money.of("955.00", "EUR")

    def test_same_key_other_request_is_refused(self, alice: Payer, now: datetime) -> None:
        pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="t")
        with pytest.raises(PaymentRefused) as refused:
            pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, amount="26.00", now=now, sca_exemption="t")
        assert refused.value.code == "idempotency_key_reused"

    def test_the_key_is_per_payer(self, alice: Payer, now: datetime) -> None:
        other = payer(balance="100.00")
        a = pay(alice, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="t")
        b = pay(other, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="t")
        assert a.id != b.id


def test_the_created_event_of_a_payment_waiting_for_its_code_says_awaiting_sca(
    alice: Payer, bob: Payer, now: datetime
) -> None:
    pay(alice, to=bob.account.iban, name="Bob Builder", now=now)
    assert OutboxEvent.objects.get(name="payment.created").payload["status"] == "awaiting_sca"


def test_the_created_event_of_a_rejected_payment_says_rejected_with_its_code(bob: Payer, now: datetime) -> None:
    pay(bob, to=EXTERNAL_IBAN, name=EXTERNAL_NAME, now=now, sca_exemption="test")  # bob has no money
    payload = OutboxEvent.objects.get(name="payment.created").payload
    assert (payload["status"], payload["reason_code"]) == ("rejected", "AM04")
