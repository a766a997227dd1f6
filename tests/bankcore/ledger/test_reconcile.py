from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bankcore.ledger import services as ledger
from tests.bankcore.ledger.conftest import eur, key

pytestmark = pytest.mark.django_db


def reconcile() -> str:
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    return out.getvalue()


def raw(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_clean_books_give_a_summary(alice: int, bob: int) -> None:
    ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(10), idempotency_key=key())
    assert reconcile() == "reconcile: clean: 3 accounts, 2 entries, 4 postings\n"


def test_a_balance_corrupted_by_raw_sql_is_named_and_exits_1(alice: int, bob: int) -> None:
    raw("UPDATE ledger_ledgeraccount SET balance_minor = balance_minor + 1 WHERE id = %s", [bob])
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("reconcile", stdout=out)
    assert failed.value.returncode == 1
    assert "1 drift(s)" in str(failed.value)
    assert out.getvalue() == (f"DRIFT account {bob} 'Bob': stored balance 0.01 EUR but its postings sum to 0.00 EUR\n")


def test_a_held_total_out_of_step_with_the_holds_is_named(alice: int) -> None:
    raw("UPDATE ledger_ledgeraccount SET held_minor = 700 WHERE id = %s", [alice])
    with pytest.raises(CommandError):
        reconcile()


def test_an_unbalanced_entry_is_named(alice: int, bob: int) -> None:
    # On PostgreSQL the triggers would refuse this (a balanced entry takes no more postings), so
    # the test writes it with triggers off inside a savepoint it rolls back, as a restore without
    # triggers would; on SQLite nothing refuses it: reconcile is the check that works everywhere.
    entry_id = ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(10), idempotency_key=key())
    out = io.StringIO()
    # A savepoint rolled back afterwards, so the end-of-test constraint check does not see it.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw("SET LOCAL session_replication_role = replica", [])
        raw(
            "INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)"
            " VALUES (%s, %s, 5, 'EUR', 0, CURRENT_TIMESTAMP)",
            [entry_id, alice],
        )
        with pytest.raises(CommandError):
            call_command("reconcile", stdout=out)
        transaction.set_rollback(True)
    assert f"DRIFT entry {entry_id}: postings in EUR sum to 5, not zero" in out.getvalue()
    assert f"DRIFT account {alice} 'Alice'" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # committed books, corrupted afterwards (not before the commit checks)
def test_an_account_currency_corrupted_by_raw_sql_is_named_not_a_traceback(alice: int) -> None:
    # The figures of an account whose currency is no longer a currency cannot be formatted as
    # Money; reconcile must still name every drift and exit 1.
    # The database refuses a new currency for an account with postings; a superuser can switch that off.
    if connection.vendor == "postgresql":
        raw("ALTER TABLE ledger_ledgeraccount DISABLE TRIGGER ledger_account_kept", [])
    raw("UPDATE ledger_ledgeraccount SET currency = 'ZZZ', balance_minor = 1, held_minor = 5 WHERE id = %s", [alice])
    if connection.vendor == "postgresql":
        raw("ALTER TABLE ledger_ledgeraccount ENABLE TRIGGER ledger_account_kept", [])
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("reconcile", stdout=out)
    assert failed.value.returncode == 1
    report = out.getvalue()
    assert f"DRIFT account {alice} 'Alice': stored balance 1 ZZZ but its postings sum to 10000 ZZZ" in report
    assert f"DRIFT account {alice} 'Alice': stored holds 5 ZZZ but its active holds sum to 0 ZZZ" in report
    assert "in EUR on a ZZZ account" in report


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["ledger_entry", "ledger_ledgeraccount"])
def test_a_posting_whose_entry_or_account_is_gone_is_named(alice: int, bob: int, table: str) -> None:
    # Only a superuser switching the triggers off (or a TRUNCATE) can do this; reconcile must see it.
    entry_id = ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(10), idempotency_key=key())
    gone = entry_id if table == "ledger_entry" else bob
    with transaction.atomic():
        raw("SET CONSTRAINTS ALL IMMEDIATE", [])  # the commit checks first: ALTER TABLE waits for none
        raw(f"ALTER TABLE {table} DISABLE TRIGGER ALL", [])
        raw(f"DELETE FROM {table} WHERE id = %s", [gone])
        raw(f"ALTER TABLE {table} ENABLE TRIGGER ALL", [])
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("reconcile", stdout=out)
        transaction.set_rollback(True)
    what = "entry" if table == "ledger_entry" else "ledger account"
    assert f"names {what} {gone}, which does not exist" in out.getvalue()
