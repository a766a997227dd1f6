"""PostgreSQL itself refuses to corrupt the books, whatever code talks to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.models import LedgerAccount, Posting
from bankcore.ledger.values import TransferRequest
from bankcore.money import Money
from tests.bankcore.ledger.conftest import eur, key, other_connection

pytestmark = pytest.mark.postgres


def check_now() -> None:
    """Run the deferred checks at this point, as COMMIT would (keeps most tests in one transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def sql(statement: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def insert_entry(entry_key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, created_at)"
            " VALUES (%s, 'journal', '', '{}', '', now()) RETURNING id",
            [entry_key],
        )
        return int(cursor.fetchone()[0])


def insert_posting(entry_id: int, account_id: int, amount: int, currency: str = "EUR") -> None:
    insert_postings(entry_id, [(account_id, amount, currency)])


def insert_postings(entry_id: int, postings: list[tuple[int, int, str]]) -> None:
    """All of an entry's postings in one INSERT statement, as every writer must."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)"
            " SELECT %s, l.account, l.amount, l.currency, 0, now()"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS l(account, amount, currency)",
            [entry_id, [p[0] for p in postings], [p[1] for p in postings], [p[2] for p in postings]],
        )


@pytest.fixture
def paid(alice: int, bob: int) -> int:
    return ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(100), idempotency_key="paid")


@pytest.mark.django_db
class TestImmutable:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE ledger_posting SET amount_minor = amount_minor * 2 WHERE entry_id = %s",
            "DELETE FROM ledger_posting WHERE entry_id = %s",
            "UPDATE ledger_entry SET description = 'edited' WHERE id = %s",
            "DELETE FROM ledger_entry WHERE id = %s",
        ],
    )
    def test_postings_and_entries_cannot_be_changed(self, paid: int, statement: str) -> None:
        with pytest.raises(IntegrityError, match="immutable"):
            sql(statement, [paid])
        assert Posting.objects.filter(entry_id=paid).count() == 2
        assert ledger_read.entry_get(entry_id=paid).description == ""


def write_raw(entry: str | int, postings: list[tuple[int, int, str]], *, check: bool = True) -> int:
    """Write an entry (a new key, or an existing id) and postings behind the services' back."""
    with transaction.atomic():
        entry_id = insert_entry(entry) if isinstance(entry, str) else entry
        if postings:
            insert_postings(entry_id, postings)
        if check:
            check_now()
    return entry_id


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_insert_is_refused_at_commit(alice: int, bob: int) -> None:
    with pytest.raises(IntegrityError, match="does not balance"):
        write_raw("raw-unbalanced", [(alice, 100, "EUR"), (bob, -99, "EUR")], check=False)
    assert ledger_read.entry_id_by_key(idempotency_key="raw-unbalanced") is None


@pytest.mark.django_db
class TestBalanced:
    def test_an_unbalanced_insert_is_refused(self, alice: int, bob: int) -> None:
        with pytest.raises(IntegrityError, match="does not balance"):
            write_raw("raw-unbalanced", [(alice, 100, "EUR"), (bob, -99, "EUR")])

    def test_a_posting_added_to_a_committed_entry_is_refused(self, paid: int, alice: int) -> None:
        with pytest.raises(IntegrityError, match="already balances"):
            write_raw(paid, [(alice, 1, "EUR")])

    def test_a_posting_in_another_currency_than_its_account_is_refused(self, alice: int, bob: int) -> None:
        with pytest.raises(IntegrityError, match="holds EUR"):
            write_raw("raw-usd", [(alice, 100, "USD"), (bob, -100, "USD")])

    def test_an_entry_without_postings_is_refused(self) -> None:
        with pytest.raises(IntegrityError, match="no postings"):
            write_raw("raw-empty", [])

    def test_a_balanced_insert_passes(self, alice: int, bob: int) -> None:
        entry_id = write_raw("raw-balanced", [(alice, 100, "EUR"), (bob, -100, "EUR")])
        assert Posting.objects.filter(entry_id=entry_id).count() == 2


@pytest.mark.django_db(transaction=True)
def test_every_service_commits_through_the_triggers(
    alice: int, bob: int, fund: Callable[[int, int], int], now: object
) -> None:
    """The ORM paths (holds, batches, reversals) satisfy the commit-time checks too."""
    from datetime import datetime

    assert isinstance(now, datetime)
    hold_id = ledger.hold_create(
        account_id=alice, amount=eur(500), idempotency_key=key(), expires_at=now + timedelta(hours=1), now=now
    )
    ledger.hold_capture(hold_id=hold_id, to_account_id=bob, idempotency_key=key(), now=now, amount=eur(300))
    results = ledger.post_batch(
        transfers=[TransferRequest(alice, bob, eur(10), key()), TransferRequest(bob, alice, Money(5, "EUR"), key())]
    )
    assert all(result.posted for result in results)
    assert results[0].entry_id is not None
    ledger.entry_reverse(entry_id=results[0].entry_id, reason="test")
    assert ledger_read.reconcile().clean


@pytest.mark.django_db
class TestClosedOnceBalanced:
    """Postings may arrive over several statements until the entry balances; then it takes no more."""

    def test_postings_may_arrive_over_several_statements_until_the_entry_balances(
        self, alice: int, bob: int, bank: int
    ) -> None:
        entry_id = insert_entry("raw-three-statements")
        insert_posting(entry_id, alice, 100)
        insert_posting(entry_id, bob, -60)
        insert_posting(entry_id, bank, -40)
        check_now()
        assert Posting.objects.filter(entry_id=entry_id).count() == 3

    def test_postings_added_to_a_balanced_entry_are_refused(self, alice: int, bob: int) -> None:
        entry_id = insert_entry("raw-two-statements")
        insert_postings(entry_id, [(alice, 100, "EUR"), (bob, -100, "EUR")])
        with pytest.raises(IntegrityError, match="already balances"), transaction.atomic():
            insert_postings(entry_id, [(alice, 5, "EUR"), (bob, -5, "EUR")])

    def test_a_posting_added_after_an_early_check_is_refused(self, alice: int, bob: int) -> None:
        entry_id = write_raw("raw-early", [(alice, 100, "EUR"), (bob, -100, "EUR")])  # checked here
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        with pytest.raises(IntegrityError, match="already balances"), transaction.atomic():
            insert_posting(entry_id, alice, 1)

    def test_balanced_postings_added_to_a_committed_entry_are_refused(self, paid: int, bob: int) -> None:
        with pytest.raises(IntegrityError, match="already balances"):
            write_raw(paid, [(bob, 5, "EUR"), (bob, -5, "EUR")], check=False)

    def test_a_posting_naming_no_entry_is_refused_at_once(self, alice: int) -> None:
        with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
            insert_posting(987_654_321, alice, 1)


@pytest.mark.django_db
class TestAccountsOfPostings:
    """What the posting-to-account foreign key refused, the guard and a trigger refuse."""

    def test_a_posting_naming_no_account_is_refused_at_once(self, alice: int) -> None:
        with pytest.raises(IntegrityError, match="names ledger account 987654321, which does not exist"):
            write_raw("raw-no-account", [(alice, 100, "EUR"), (987_654_321, -100, "EUR")], check=False)

    @pytest.mark.parametrize(
        "statement",
        [
            "DELETE FROM ledger_ledgeraccount WHERE id = %s",
            "UPDATE ledger_ledgeraccount SET id = id + 100000 WHERE id = %s",
            "UPDATE ledger_ledgeraccount SET currency = 'USD' WHERE id = %s",
        ],
        ids=["delete", "renumber", "currency"],
    )
    def test_an_account_with_postings_keeps_its_id_and_currency(self, paid: int, bob: int, statement: str) -> None:
        with pytest.raises(IntegrityError, match="has postings: it can be closed, but not deleted"):
            sql(statement, [bob])
        assert ledger_read.balance(account_id=bob) == eur(100)

    def test_an_account_without_postings_can_be_deleted(self) -> None:
        unused = ledger.account_open(name="Opened by mistake", currency="EUR")
        sql("DELETE FROM ledger_ledgeraccount WHERE id = %s", [unused])
        assert not LedgerAccount.objects.filter(pk=unused).exists()


@pytest.mark.django_db
class TestTheFunctionItself:
    """ledger_post called directly, as any other client of the database could."""

    def call(
        self,
        key: str,
        accounts: list[int | None],
        amounts: list[int | None],
        reverses: int | None = None,
        currencies: list[str] | None = None,
    ) -> str:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT out_outcome FROM ledger_post(%s, 'reversal', '', '{}', 'fp', %s, %s::bigint[], %s::bigint[],"
                " %s::text[])",
                [key, reverses, accounts, amounts, currencies or ["EUR"] * len(accounts)],
            )
            return str(cursor.fetchone()[0])

    @pytest.mark.parametrize(
        ("amounts", "currencies", "refusal"),
        [
            ([100, -99], ["EUR", "EUR"], "unbalanced"),
            ([100, -100], ["EUR", "USD"], "unbalanced"),
            ([100, -100, 0], ["EUR", "EUR", "EUR"], "invalid_amount"),
        ],
    )
    def test_legs_the_entry_check_would_refuse_are_refused_by_the_function(
        self, alice: int, bob: int, amounts: list[int], currencies: list[str], refusal: str
    ) -> None:
        """The function vouches for its entries (the commit check skips them), so it checks them itself."""
        accounts = [alice, bob, bob][: len(amounts)]
        with pytest.raises(DatabaseError) as refused:
            self.call("vouched-badly", list(accounts), list(amounts), currencies=currencies)
        cause = refused.value.__cause__
        assert isinstance(cause, psycopg.Error)
        assert (cause.sqlstate, cause.diag.message_hint) == ("LG001", refusal)
        assert ledger_read.entry_id_by_key(idempotency_key="vouched-badly") is None
        assert ledger_read.balance(account_id=bob) == eur(0)

    def test_a_second_reversal_of_an_entry_is_refused_by_the_database(self, paid: int, alice: int, bob: int) -> None:
        assert self.call("first-reversal", [bob, alice], [100, -100], reverses=paid) == "posted"
        assert self.call("second-reversal", [bob, alice], [100, -100], reverses=paid) == "already_reversed"
        assert ledger_read.balance(account_id=bob) == eur(0)

    def test_arrays_not_numbered_from_one_are_refused(self, alice: int, bob: int) -> None:
        """Legs are checked by subscript and written by unnest: an offset array would split the two."""
        with pytest.raises(DataError, match="numbered from 1"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT ledger_post('offset', 'journal', '', '{}', 'fp', NULL, %s::bigint[], '{100,-100}'::bigint[],"
                " '[2:3]={EUR,EUR}'::text[])",
                [[alice, bob]],
            )
        assert ledger_read.entry_id_by_key(idempotency_key="offset") is None

    def test_its_own_writes_skip_the_guard_and_the_entry_check(self, alice: int, bob: int) -> None:
        """Both checks replaced by a refusal: a post still passes; anything else is refused."""
        with connection.cursor() as cursor:
            for function in ("ledger_guard_postings", "ledger_check_entry_complete"):
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS"
                    " $$ BEGIN RAISE EXCEPTION 'judged'; END $$"
                )
        ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(5), idempotency_key="vouched")
        check_now()
        assert ledger_read.balance(account_id=bob) == eur(5)
        with pytest.raises(DatabaseError, match="judged"), transaction.atomic():
            insert_postings(insert_entry("raw"), [(alice, 5, "EUR"), (bob, -5, "EUR")])

    @pytest.mark.parametrize(("accounts", "amounts"), [([1, None], [5, -5]), ([1, 2], [5, None]), ([1], [0])])
    def test_missing_legs_are_refused_before_anything_is_written(
        self, accounts: list[int | None], amounts: list[int | None]
    ) -> None:
        with pytest.raises(DataError, match="two or more legs"):
            self.call("null-legs", accounts, amounts)
        assert ledger_read.entry_id_by_key(idempotency_key="null-legs") is None


@pytest.mark.django_db(transaction=True)
class TestOnlyTheFunctionsOwnWritesSkipTheChecks:
    """ledger_post's mark covers its own entry and postings, never what the same transaction writes next."""

    def test_a_raw_write_after_a_post_in_the_same_transaction_is_still_judged(self, alice: int, bob: int) -> None:
        def post_then_write_raw() -> None:
            with transaction.atomic():
                ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(5), idempotency_key="vouched")
                insert_postings(insert_entry("raw-after"), [(alice, 100, "EUR"), (bob, -99, "EUR")])

        with pytest.raises(IntegrityError, match="does not balance"):
            post_then_write_raw()
        assert ledger_read.entry_id_by_key(idempotency_key="vouched") is None

    def test_a_posting_naming_no_account_after_a_post_is_refused_at_once(self, alice: int, bob: int) -> None:
        with transaction.atomic():
            ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(5), idempotency_key="vouched")
            entry_id = insert_entry("raw-nowhere")
            with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
                insert_postings(entry_id, [(alice, 100, "EUR"), (alice + bob + 1_000, -100, "EUR")])
            transaction.set_rollback(True)

    def test_a_refused_post_leaves_no_mark_behind(self, alice: int, bob: int) -> None:
        with transaction.atomic():
            with pytest.raises(ledger.InsufficientFunds):
                ledger.transfer(from_account_id=bob, to_account_id=alice, amount=eur(1), idempotency_key="refused")
            entry_id = insert_entry("refused")  # the refused post's key, now a raw entry
            with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
                insert_postings(entry_id, [(alice, 100, "EUR"), (alice + bob + 1_000, -100, "EUR")])
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_setting_that_once_marked_the_functions_writes_switches_nothing_off(alice: int, bob: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('bankcore.ledger_post', 'raw-marked', true)")
    with pytest.raises(IntegrityError, match="does not balance"):
        write_raw("raw-marked", [(alice, 100, "EUR"), (bob, -99, "EUR")])
    with pytest.raises(IntegrityError, match="names ledger account 987654321"):
        write_raw("raw-marked-2", [(alice, 100, "EUR"), (987_654_321, -100, "EUR")], check=False)


@pytest.fixture
def client() -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """A session as an application would open it: a login role with every privilege on the
    ledger's tables, but neither their owner nor a member of the function's role."""
    role = f"ledger_client_{uuid.uuid4().hex[:12]}"
    tables = "ledger_entry, ledger_posting, ledger_ledgeraccount"
    with other_connection(autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        try:
            admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {role}")
            admin.execute(f"GRANT EXECUTE ON FUNCTION ledger_post TO {role}")
            with other_connection(user=role) as session:
                assert session.execute("SELECT current_user").fetchone() == (role,)
                yield session
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def client_post(session: psycopg.Connection[tuple[Any, ...]], entry_key: str, accounts: list[int]) -> str:
    row = session.execute(
        "SELECT out_outcome FROM ledger_post(%s, 'journal', '', '{}', 'fp', NULL, %s::bigint[],"
        " '{100,-100}'::bigint[], '{EUR,EUR}'::text[])",
        [entry_key, accounts],
    ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.django_db(transaction=True)
class TestNoClientCanSwitchTheChecksOff:
    """The triggers skip only statements run as bankcore_ledger_post, which only ledger_post becomes."""

    def test_a_client_cannot_become_the_functions_role(self, client: psycopg.Connection[tuple[Any, ...]]) -> None:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            client.execute("SET ROLE bankcore_ledger_post")

    def test_a_role_not_granted_the_function_cannot_post_through_it(
        self, client: psycopg.Connection[tuple[Any, ...]], alice: int, bob: int
    ) -> None:
        """The function writes with its owner's rights: a role may call it only when granted it."""
        role = client.execute("SELECT current_user").fetchone()[0]
        with other_connection(autocommit=True) as admin:
            admin.execute(f"REVOKE EXECUTE ON FUNCTION ledger_post FROM {role}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for function ledger_post"):
            client_post(client, "not-granted", [alice, bob])
        client.rollback()
        assert ledger_read.entry_id_by_key(idempotency_key="not-granted") is None

    def test_a_clients_raw_write_is_judged_and_its_posts_pass(
        self, client: psycopg.Connection[tuple[Any, ...]], alice: int, bob: int
    ) -> None:
        client.execute("SELECT set_config('bankcore.ledger_post', 'client-raw', true)")  # the old marker
        entry_id = client.execute(
            "INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, created_at)"
            " VALUES ('client-raw', 'journal', '', '{}', '', now()) RETURNING id"
        ).fetchone()[0]
        client.execute(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor,"
            " created_at) VALUES (%s, %s, 100, 'EUR', 0, now())",
            [entry_id, alice],
        )
        with pytest.raises(psycopg.errors.CheckViolation, match="does not balance"):
            client.commit()
        assert client_post(client, "client-post", [alice, bob]) == "posted"
        client.commit()
        assert ledger_read.balance(account_id=alice) == eur(9_900)
        assert ledger_read.reconcile().clean

    def test_a_callers_temporary_table_cannot_stand_in_for_the_accounts(
        self, client: psycopg.Connection[tuple[Any, ...]], alice: int, bob: int
    ) -> None:
        """Were the function's search_path the caller's, its UPDATE would move this copy
        (temporary tables come first) while its postings, unjudged, went to the real table."""
        client.execute("CREATE TEMPORARY TABLE ledger_ledgeraccount AS SELECT * FROM public.ledger_ledgeraccount")
        # Its owner may open it to the function's role: only the pinned search_path keeps it out.
        client.execute("GRANT SELECT, UPDATE ON pg_temp.ledger_ledgeraccount TO bankcore_ledger_post")
        assert client_post(client, "shadowed", [alice, bob]) == "posted"
        client.commit()
        shadow = client.execute(
            "SELECT id, balance_minor FROM pg_temp.ledger_ledgeraccount WHERE id IN (%s, %s)", [alice, bob]
        )
        assert dict(shadow.fetchall()) == {alice: 10_000, bob: 0}
        assert ledger_read.balance(account_id=alice) == eur(9_900)
        assert ledger_read.balance(account_id=bob) == eur(100)
        assert ledger_read.reconcile().clean


@pytest.mark.django_db(transaction=True)
def test_a_check_undone_by_a_savepoint_runs_again_at_commit(alice: int, bob: int) -> None:
    """Checks fired inside a rolled-back savepoint count for nothing: the commit checks again."""

    def write_then_undo() -> None:
        with transaction.atomic():
            entry_id = insert_entry("raw-undone")
            with transaction.atomic():
                insert_postings(entry_id, [(alice, 100, "EUR"), (bob, -100, "EUR")])
                check_now()  # passes: the entry balances here
                transaction.set_rollback(True)

    with pytest.raises(IntegrityError, match="no postings"):
        write_then_undo()
    assert ledger_read.entry_id_by_key(idempotency_key="raw-undone") is None


def insert_transfer(entry_key: str, postings: list[tuple[int, int, str]]) -> int:
    """A transfer entry and its postings in one statement, as the ledger's functions write them."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "WITH e AS (INSERT INTO ledger_entry"
            "  (idempotency_key, kind, description, metadata, fingerprint, created_at)"
            "  VALUES (%s, 'transfer', '', '{}', '', now()) RETURNING id),"
            " p AS (INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor,"
            "  created_at) SELECT e.id, l.account, l.amount, l.currency, 0, now() FROM e,"
            "  unnest(%s::bigint[], %s::bigint[], %s::text[]) AS l(account, amount, currency))"
            " SELECT id FROM e",
            [entry_key, [p[0] for p in postings], [p[1] for p in postings], [p[2] for p in postings]],
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
class TestTransfersWrittenInOneStatement:
    """A transfer entry written with its postings in one statement, as the batch function does."""

    def test_a_balanced_transfer_passes(self, alice: int, bob: int) -> None:
        entry_id = insert_transfer("raw-transfer", [(alice, 100, "EUR"), (bob, -100, "EUR")])
        check_now()
        assert Posting.objects.filter(entry_id=entry_id).count() == 2

    def test_an_unbalanced_transfer_is_refused_at_commit(self, alice: int, bob: int) -> None:
        insert_transfer("raw-transfer", [(alice, 100, "EUR"), (bob, -99, "EUR")])
        with pytest.raises(IntegrityError, match="does not balance: its EUR postings sum to 1"):
            check_now()

    def test_a_transfer_in_another_currency_than_its_accounts_is_refused_at_once(self, alice: int, bob: int) -> None:
        with pytest.raises(IntegrityError, match=r"is in USD but account \d+ holds EUR"):
            insert_transfer("raw-transfer", [(alice, 100, "USD"), (bob, -100, "USD")])

    def test_a_transfer_entry_without_postings_is_refused(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, created_at)"
                " VALUES ('raw-transfer', 'transfer', '', '{}', '', now())"
            )
        with pytest.raises(IntegrityError, match="no postings"):
            check_now()


def raw_journal(conn: psycopg.Connection[tuple[Any, ...]], entry_key: str, account_a: int, account_b: int) -> None:
    """A journal entry of 1.00 EUR from ``account_b`` to ``account_a``, written behind the services' back."""
    entry_id = conn.execute(
        "INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, created_at)"
        " VALUES (%s, 'journal', '', '{}', '', now()) RETURNING id",
        [entry_key],
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)"
        " VALUES (%s, %s, 100, 'EUR', 0, now()), (%s, %s, -100, 'EUR', 0, now())",
        [entry_id, account_a, entry_id, account_b],
    )


def posted_journal(conn: psycopg.Connection[tuple[Any, ...]], entry_key: str, account_a: int, account_b: int) -> None:
    """The same entry through ledger_post, which skips the guard: its own update holds the account."""
    conn.execute(
        "SELECT ledger_post(%s, 'journal', '', '{}', 'fp', NULL, %s::bigint[], '{100,-100}'::bigint[],"
        " '{EUR,EUR}'::text[])",
        [entry_key, [account_a, account_b]],
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", [raw_journal, posted_journal])
def test_an_account_cannot_be_deleted_under_a_concurrent_posting(alice: int, write: Callable[..., None]) -> None:
    """A delete waits for a writer's uncommitted postings (guard lock or ledger_post update), then is refused."""
    target = ledger.account_open(name="Paid by a concurrent writer", currency="EUR")
    with other_connection() as writer, other_connection(autocommit=True) as deleter:
        write(writer, "concurrent", alice, target)
        # The writer has not committed: the delete cannot see its postings, but must wait for it.
        deleter.execute("SET lock_timeout = '300ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            deleter.execute("DELETE FROM ledger_ledgeraccount WHERE id = %s", [target])
        writer.commit()
        with pytest.raises(psycopg.errors.RestrictViolation, match="has postings"):
            deleter.execute("DELETE FROM ledger_ledgeraccount WHERE id = %s", [target])
    assert LedgerAccount.objects.filter(pk=target).exists()


@pytest.mark.django_db(transaction=True)
def test_an_account_is_deleted_only_where_a_concurrent_commit_is_seen(alice: int) -> None:
    """Under REPEATABLE READ the look for postings would miss a commit made after its snapshot."""
    target = ledger.account_open(name="Deleted from an old snapshot", currency="EUR")
    with other_connection() as deleter, other_connection() as writer:
        deleter.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        deleter.execute("SELECT 1")  # the snapshot is taken here, before the postings below
        raw_journal(writer, "raw-after-snapshot", alice, target)
        writer.commit()
        with pytest.raises(psycopg.errors.SerializationFailure, match="needs READ COMMITTED"):
            deleter.execute("DELETE FROM ledger_ledgeraccount WHERE id = %s", [target])
    assert LedgerAccount.objects.filter(pk=target).exists()
