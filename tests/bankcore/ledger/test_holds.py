from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger import tasks
from bankcore.money import Money
from tests.bankcore.ledger.conftest import eur, key, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant() -> int:
    return ledger.account_open(name="Card acquirer clearing", currency="EUR", kind="internal")


def hold(account_id: int, minor: int, now: datetime, *, minutes: int = 30, hold_key: str | None = None) -> int:
    return ledger.hold_create(
        account_id=account_id,
        amount=eur(minor),
        idempotency_key=hold_key or key(),
        expires_at=now + timedelta(minutes=minutes),
        now=now,
    )


class TestHoldCreate:
    def test_a_hold_lowers_the_available_balance_only(self, alice: int, now: datetime) -> None:
        hold(alice, 3_000, now)
        assert ledger_read.balance(account_id=alice) == eur(10_000)
        assert ledger_read.available_balance(account_id=alice) == eur(7_000)

    def test_a_hold_beyond_the_available_balance_is_refused(self, alice: int, now: datetime) -> None:
        hold(alice, 6_000, now)
        before = snapshot()
        with pytest.raises(ledger.InsufficientFunds):
            hold(alice, 4_001, now)
        assert snapshot() == before

    def test_the_same_key_returns_the_first_hold(self, alice: int, now: datetime) -> None:
        first = hold(alice, 100, now, hold_key="h")
        assert hold(alice, 100, now, hold_key="h") == first
        assert ledger_read.available_balance(account_id=alice) == eur(9_900)
        with pytest.raises(ledger.IdempotencyConflict):
            hold(alice, 200, now, hold_key="h")

    def test_the_same_key_for_another_expiry_or_description_is_refused(self, alice: int, now: datetime) -> None:
        def create(expires_in: timedelta = timedelta(hours=1), description: str = "card purchase") -> int:
            return ledger.hold_create(
                account_id=alice,
                amount=eur(100),
                idempotency_key="h",
                expires_at=now + expires_in,
                now=now,
                description=description,
            )

        first = create()
        assert create() == first
        with pytest.raises(ledger.IdempotencyConflict):
            create(expires_in=timedelta(hours=2))
        with pytest.raises(ledger.IdempotencyConflict):
            create(description="another purchase")
        assert ledger_read.available_balance(account_id=alice) == eur(9_900)

    @pytest.mark.parametrize(("amount", "code"), [(eur(0), "invalid_amount"), (Money(5, "USD"), "currency_mismatch")])
    def test_bad_holds(self, alice: int, now: datetime, amount: Money, code: str) -> None:
        with pytest.raises(ledger.LedgerError) as refused:
            ledger.hold_create(
                account_id=alice, amount=amount, idempotency_key=key(), expires_at=now + timedelta(hours=1), now=now
            )
        assert refused.value.code == code

    def test_a_hold_must_expire_in_the_future(self, alice: int, now: datetime) -> None:
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.hold_create(account_id=alice, amount=eur(1), idempotency_key=key(), expires_at=now, now=now)
        assert refused.value.code == "invalid_expiry"

    def test_a_frozen_account_takes_no_hold(self, alice: int, now: datetime) -> None:
        ledger.account_freeze(account_id=alice)
        with pytest.raises(ledger.AccountFrozen):
            hold(alice, 1, now)


class TestCaptureAndRelease:
    def test_a_full_capture_posts_the_held_money(self, alice: int, merchant: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        entry_id = ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key="cap", now=now)
        assert ledger_read.balance(account_id=alice) == eur(7_000)
        assert ledger_read.available_balance(account_id=alice) == eur(7_000)
        assert ledger_read.balance(account_id=merchant) == eur(3_000)
        view = ledger_read.hold_get(hold_id=hold_id)
        assert (view.status, view.captured, view.capture_entry_id) == ("captured", eur(3_000), entry_id)

    def test_a_partial_capture_releases_the_rest(self, alice: int, merchant: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key=key(), now=now, amount=eur(1_200))
        assert ledger_read.balance(account_id=alice) == eur(8_800)
        assert ledger_read.available_balance(account_id=alice) == eur(8_800)
        assert ledger_read.hold_get(hold_id=hold_id).captured == eur(1_200)

    def test_a_capture_can_use_money_held_even_when_nothing_else_is_available(
        self, alice: int, merchant: int, now: datetime
    ) -> None:
        hold_id = hold(alice, 10_000, now)
        ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key=key(), now=now)
        assert ledger_read.balance(account_id=alice) == eur(0)

    def test_capturing_more_than_held_is_refused(self, alice: int, merchant: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        before = snapshot()
        with pytest.raises(ledger.CaptureExceedsHold) as refused:
            ledger.hold_capture(
                hold_id=hold_id, to_account_id=merchant, idempotency_key=key(), now=now, amount=eur(3_001)
            )
        assert refused.value.code == "capture_exceeds_hold"
        assert snapshot() == before

    def test_capturing_twice(self, alice: int, merchant: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        first = ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key="cap", now=now)
        assert ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key="cap", now=now) == first
        before = snapshot()
        with pytest.raises(ledger.HoldNotActive) as refused:
            ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key="cap-2", now=now)
        assert refused.value.code == "hold_not_active"
        assert snapshot() == before

    def test_a_capture_key_cannot_be_reused_for_another_hold(self, alice: int, merchant: int, now: datetime) -> None:
        # Two holds alike in every way but their id: replaying the first capture for the second
        # would report it captured while its money stays reserved and never moves.
        first = hold(alice, 1_000, now)
        second = hold(alice, 1_000, now)
        ledger.hold_capture(hold_id=first, to_account_id=merchant, idempotency_key="cap", now=now)
        before = snapshot()
        with pytest.raises(ledger.IdempotencyConflict) as refused:
            ledger.hold_capture(hold_id=second, to_account_id=merchant, idempotency_key="cap", now=now)
        assert refused.value.code == "idempotency_conflict"
        assert snapshot() == before

    def test_release_gives_the_money_back_and_is_safe_twice(self, alice: int, merchant: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        ledger.hold_release(hold_id=hold_id, now=now)
        ledger.hold_release(hold_id=hold_id, now=now)
        assert ledger_read.available_balance(account_id=alice) == eur(10_000)
        with pytest.raises(ledger.HoldNotActive):
            ledger.hold_capture(hold_id=hold_id, to_account_id=merchant, idempotency_key=key(), now=now)

    def test_a_hold_on_a_frozen_account_can_still_be_released(self, alice: int, now: datetime) -> None:
        hold_id = hold(alice, 3_000, now)
        ledger.account_freeze(account_id=alice)
        ledger.hold_release(hold_id=hold_id, now=now)
        assert ledger_read.available_balance(account_id=alice) == eur(10_000)

    def test_unknown_hold(self, merchant: int, now: datetime) -> None:
        with pytest.raises(ledger.UnknownHold):
            ledger.hold_capture(hold_id=404, to_account_id=merchant, idempotency_key=key(), now=now)
        with pytest.raises(ledger.UnknownHold):
            ledger.hold_release(hold_id=404, now=now)


class TestExpiry:
    def test_only_due_holds_expire(self, alice: int, merchant: int, now: datetime) -> None:
        due = hold(alice, 1_000, now, minutes=5)
        later = hold(alice, 2_000, now, minutes=60)
        assert ledger.holds_expire(now=now + timedelta(minutes=10)) == 1
        assert ledger_read.hold_get(hold_id=due).status == "expired"
        assert ledger_read.hold_get(hold_id=later).status == "active"
        assert ledger_read.available_balance(account_id=alice) == eur(8_000)
        assert ledger.holds_expire(now=now + timedelta(minutes=10)) == 0
        with pytest.raises(ledger.HoldNotActive):
            ledger.hold_capture(
                hold_id=due, to_account_id=merchant, idempotency_key=key(), now=now + timedelta(minutes=10)
            )

    def test_a_hold_past_its_time_cannot_be_captured_before_the_sweep(
        self, alice: int, merchant: int, now: datetime
    ) -> None:
        hold_id = hold(alice, 1_000, now, minutes=5)
        with pytest.raises(ledger.HoldNotActive):
            ledger.hold_capture(
                hold_id=hold_id, to_account_id=merchant, idempotency_key=key(), now=now + timedelta(minutes=6)
            )

    def test_the_beat_task_expires_holds(self, alice: int) -> None:
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        hold(alice, 500, long_ago)
        assert tasks.holds_expire.delay().get() == 1
        assert ledger_read.available_balance(account_id=alice) == eur(10_000)
        assert ledger_read.reconcile().clean


class TestHoldsKeep:
    def test_only_holds_ending_within_the_window_are_kept_and_the_gone_ones_named(
        self, alice: int, now: datetime
    ) -> None:
        soon = hold(alice, 100, now, minutes=60)  # ends within the window: kept
        later = hold(alice, 200, now, minutes=60 * 24 * 10)  # ends after it: left alone
        released = hold(alice, 300, now, minutes=60)
        lapsed = hold(alice, 400, now, minutes=1)
        ledger.hold_release(hold_id=released, now=now)
        at = now + timedelta(minutes=5)  # ``lapsed`` ended, though the sweep has not run yet
        until = now + timedelta(days=30)

        extended, gone = ledger.holds_keep(
            hold_ids=[soon, later, released, lapsed], until=until, within=timedelta(days=1), now=at
        )

        assert (extended, sorted(gone)) == (1, sorted([released, lapsed]))
        assert ledger_read.hold_get(hold_id=soon).expires_at == until
        assert ledger_read.hold_get(hold_id=later).expires_at == now + timedelta(days=10)
        # Twice changes nothing: the kept hold ends after the window now.
        assert ledger.holds_keep(hold_ids=[soon, later], until=until, within=timedelta(days=1), now=at) == (0, [])
        assert ledger_read.available_balance(account_id=alice) == eur(10_000 - 100 - 200 - 400)
