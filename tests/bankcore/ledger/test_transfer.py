from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import Entry, LedgerAccount, Posting
from bankcore.ledger.values import Leg, TransferRequest
from bankcore.money import Money, MoneyError
from tests.bankcore.ledger.conftest import eur, key, snapshot

pytestmark = pytest.mark.django_db


class TestTransfer:
    def test_money_moves_and_each_posting_records_the_balance_after(self, alice: int, bob: int) -> None:
        entry_id = ledger.transfer(
            from_account_id=alice, to_account_id=bob, amount=eur(2_500), idempotency_key="t1", description="rent"
        )
        assert ledger_read.balance(account_id=alice) == eur(7_500)
        assert ledger_read.balance(account_id=bob) == eur(2_500)
        postings = list(Posting.objects.filter(entry_id=entry_id).order_by("id"))
        assert [(p.account_id, p.amount_minor, p.balance_after_minor) for p in postings] == [
            (alice, 2_500, 7_500),  # a debit takes money out of a customer's account
            (bob, -2_500, 2_500),
        ]
        entry = Entry.objects.get(pk=entry_id)
        assert (entry.kind, entry.description, entry.idempotency_key) == ("transfer", "rent", "t1")

    def test_the_same_key_with_another_description_is_refused(self, alice: int, bob: int) -> None:
        """Other amounts and accounts under one key: see test_scenarios.py."""
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(100), idempotency_key="same")
        before = snapshot()
        with pytest.raises(ledger.IdempotencyConflict) as refused:
            ledger.transfer(
                from_account_id=alice, to_account_id=bob, amount=eur(100), idempotency_key="same", description="other"
            )
        assert refused.value.code == "idempotency_conflict"
        assert snapshot() == before


class TestBadTransfers:
    def test_an_unknown_account_is_named(self, alice: int) -> None:
        """Codes, balances and order of every refusal: see test_scenarios.py."""
        with pytest.raises(ledger.UnknownAccount) as refused:
            ledger.transfer(from_account_id=alice, to_account_id=987_654, amount=eur(1), idempotency_key=key())
        assert str(refused.value) == "no ledger account 987654"

    @pytest.mark.parametrize("account_id", [2**63, -(2**63) - 1, 2**70])
    def test_an_id_no_database_row_can_have_is_an_unknown_account(self, alice: int, account_id: int) -> None:
        before = snapshot()
        with pytest.raises(ledger.UnknownAccount) as refused:
            ledger.transfer(from_account_id=alice, to_account_id=account_id, amount=eur(1), idempotency_key=key())
        assert refused.value.code == "unknown_account"
        [result] = ledger.post_batch(transfers=[TransferRequest(account_id, alice, eur(1), key())])
        assert (result.posted, result.code) == (False, "unknown_account")
        with pytest.raises(ledger.UnknownAccount):
            ledger.account_freeze(account_id=account_id)
        assert snapshot() == before

    def test_text_postgres_cannot_store_is_refused(self, alice: int, bob: int) -> None:
        # A NUL character: SQLite would keep it, PostgreSQL fails with a database error.
        before = snapshot()
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="k\x00")
        assert refused.value.code == "invalid_idempotency_key"
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.transfer(
                from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=key(), description="a\x00b"
            )
        assert refused.value.code == "invalid_description"
        [result] = ledger.post_batch(transfers=[TransferRequest(alice, bob, eur(1), key(), "a\x00b")])
        assert (result.posted, result.code) == (False, "invalid_description")
        assert snapshot() == before

    @pytest.mark.parametrize("bad_key", ["", "   ", "k" * 201, None])
    def test_bad_idempotency_key(self, alice: int, bob: int, bad_key: object) -> None:
        with pytest.raises(ledger.InvalidRequest) as refused:
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=bad_key)  # type: ignore[arg-type]
        assert refused.value.code == "invalid_idempotency_key"

    def test_amounts_beyond_bigint_cannot_even_be_expressed(self) -> None:
        with pytest.raises(MoneyError) as refused:
            Money(2**63, "EUR")
        assert refused.value.code == "amount_out_of_range"


@pytest.mark.postgres
class TestRoundTrips:
    """On PostgreSQL the accounts stay locked for one statement: a post is a single call."""

    def test_a_transfer_is_one_statement(self, alice: int, bob: int) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            entry_id = ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="one")
        # Inside a caller's transaction (as this test runs) a savepoint wraps the call, so a
        # refusal leaves that transaction usable; on its own the call is the whole transaction.
        assert [query["sql"].split("(")[0].split(" ")[0] for query in queries.captured_queries] == [
            "SAVEPOINT",
            "SELECT",
            "RELEASE",
        ]
        assert "FROM ledger_post(" in queries.captured_queries[1]["sql"]
        assert ledger_read.balance(account_id=bob) == eur(1)
        assert Posting.objects.filter(entry_id=entry_id).count() == 2

    def test_a_refusal_inside_a_callers_transaction_leaves_it_usable(self, alice: int, bob: int) -> None:
        from django.db import transaction

        with transaction.atomic():
            account = ledger.account_open(name="Opened in the same transaction", currency="EUR")
            with pytest.raises(ledger.InsufficientFunds):
                ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(1), idempotency_key="refused")
            # The caller's transaction goes on: its own write is there, the refused key left nothing.
            assert LedgerAccount.objects.filter(pk=account).exists()
            assert not Entry.objects.filter(idempotency_key="refused").exists()
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="refused")
        assert ledger_read.balance(account_id=bob) == eur(1)

    def test_a_batch_is_one_statement_in_its_transaction(self, alice: int, bob: int) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from bankcore.ledger.values import TransferRequest

        requests = [TransferRequest(alice, bob, eur(n), f"batch-{n}") for n in range(1, 51)]
        with CaptureQueriesContext(connection) as queries:
            results = ledger.post_batch(transfers=requests)
        statements = [query["sql"] for query in queries.captured_queries if "ledger_post_batch" in query["sql"]]
        assert len(statements) == 1
        assert all(result.posted for result in results)
        assert ledger_read.balance(account_id=bob) == eur(sum(range(1, 51)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestOnItsOwn:
    """Outside a caller's transaction a post is one statement that commits or leaves no trace."""

    def test_a_transfer_is_one_statement_and_a_refusal_writes_nothing(self, alice: int, bob: int) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="alone")
            with pytest.raises(ledger.InsufficientFunds) as refused:
                ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(2), idempotency_key="too-much")
        assert [query["sql"].split("(")[0] for query in queries.captured_queries] == [
            "SELECT out_entry_id, out_outcome, out_detail FROM ledger_post"
        ] * 2
        assert str(refused.value) == f"account {bob} has not enough available funds"
        assert not Entry.objects.filter(idempotency_key="too-much").exists()
        assert ledger_read.balance(account_id=bob) == eur(1)
        # The refused key is free: the same request succeeds once the money is there.
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="top-up")
        ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(2), idempotency_key="too-much")
        assert ledger_read.balance(account_id=bob) == eur(0)

    def test_a_connection_prepares_its_post_once_and_reuses_it(self, alice: int, bob: int) -> None:
        """DATABASE_PREPARED_STATEMENTS (on unless turned off): parsed and planned once per connection."""
        from django.db import connection

        if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
            pytest.skip("prepared statements are turned off for this database")
        for n in range(8):
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key=f"prepared-{n}")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), sum(generic_plans + custom_plans) FROM pg_prepared_statements"
                " WHERE statement LIKE %s",
                ["%FROM ledger_post(%"],
            )
            prepared, runs = cursor.fetchone()
        assert prepared >= 1  # one per set of parameter types psycopg sent
        assert runs >= 2  # prepared at the sixth call, then reused
        assert ledger_read.balance(account_id=bob) == eur(8)


def advisory_keys() -> set[int]:
    """The single-bigint advisory locks this connection holds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks"
            " WHERE locktype = 'advisory' AND objsubid = 1 AND pid = pg_backend_pid()"
        )
        return {int(row[0]) for row in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestQueueingOnBusyAccounts:
    """A post that is its own transaction so far queues on each account's advisory lock."""

    def test_a_post_queues_only_while_its_transaction_holds_no_row(self, alice: int, bob: int) -> None:
        from django.db import transaction

        carol = ledger.account_open(name="Carol", currency="EUR")
        with transaction.atomic():
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(1), idempotency_key="first")
            assert advisory_keys() == {alice, bob}
            # Now this transaction holds rows: queueing for carol's lock could wait on a waiter for them.
            ledger.transfer(from_account_id=alice, to_account_id=carol, amount=eur(1), idempotency_key="second")
            assert advisory_keys() == {alice, bob}
            transaction.set_rollback(True)

    @pytest.mark.parametrize(("payees", "queued"), [(15, True), (16, False)])
    def test_an_entry_naming_more_than_16_accounts_does_not_queue(self, alice: int, payees: int, queued: bool) -> None:
        from django.db import transaction

        accounts = [ledger.account_open(name=f"Payee {n}", currency="EUR") for n in range(payees)]
        with transaction.atomic():
            legs = [Leg(alice, eur(payees)), *(Leg(account, eur(-1)) for account in accounts)]
            ledger.post_entry(legs=legs, idempotency_key="many")
            assert advisory_keys() == ({alice, *accounts} if queued else set())
            transaction.set_rollback(True)
        assert ledger_read.balance(account_id=accounts[0]) == eur(0)

    def test_a_caller_holding_an_account_never_waits_for_its_queue(self, alice: int, bob: int) -> None:
        """The caller holds alice's row; another post queues on alice and waits for that row."""
        import threading

        from django.db import connection, transaction

        from tests.bankcore.ledger.conftest import other_connection

        outcome: list[str] = []
        other = other_connection(autocommit=True)  # here: a new thread's settings name another database

        def post_elsewhere() -> None:
            row = other.execute(
                "SELECT out_outcome FROM ledger_post('elsewhere', 'transfer', '', '{}', 'fp', NULL,"
                " %s::bigint[], '{5,-5}'::bigint[], '{EUR,EUR}'::text[])",
                [[alice, bob]],
            ).fetchone()
            outcome.append(str(row[0]) if row else "")

        with transaction.atomic():
            moment = timezone.now()
            ledger.hold_create(  # locks alice's row
                account_id=alice,
                amount=eur(1),
                idempotency_key="hold",
                expires_at=moment + timedelta(hours=1),
                now=moment,
            )
            elsewhere = threading.Thread(target=post_elsewhere)
            elsewhere.start()
            with connection.cursor() as cursor:
                waiting = 0
                for _ in range(600):  # until the other post waits for alice's row (up to 30 s on a loaded machine)
                    # Inside a transaction pg_stat_activity is a snapshot taken at its first read: drop it.
                    cursor.execute("SELECT pg_stat_clear_snapshot()")
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                        ["%ledger_post('elsewhere'%"],
                    )
                    waiting = cursor.fetchone()[0]
                    if waiting:
                        break
                    time.sleep(0.05)
                assert waiting == 1
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            # Queueing for alice's advisory lock here would deadlock with the waiter holding it.
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(2), idempotency_key="mine")
        elsewhere.join(timeout=10)
        other.close()
        assert outcome == ["posted"]
        assert ledger_read.balance(account_id=bob) == eur(7)
