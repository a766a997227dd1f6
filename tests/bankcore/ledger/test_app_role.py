"""The application's database role: the bank runs on it, and it cannot unmake the books.

Each test makes the role inside its own transaction (roles and grants roll back with it), grants
it with ``db_app_role`` and then acts as it with ``SET LOCAL ROLE``: every other obstacle is gone
(the statement is sent by hand, the triggers would not even be reached), so what refuses is the
role's privilege alone. (``SET ROLE`` to the ledger's own role is judged by the login, here the
test's superuser, so it is proved by the membership check of the command instead.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import psycopg.errors
import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from bankcore.ledger import selectors as ledger_read
from bankcore.ledger import services as ledger
from bankcore.ledger.values import TransferRequest
from bankcore.users.audit import Kind, audit_record
from tests.apps.accounts.factories import open_account
from tests.bankcore.ledger.conftest import eur, key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROLE = "bankcore_app_test"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.fixture
def as_app_role() -> Iterator[Callable[[], None]]:
    """Grants the role; the returned function switches this transaction to it."""
    sql(f"CREATE ROLE {ROLE} NOLOGIN")
    call_command("db_app_role", ROLE, stdout=StringIO())

    def switch() -> None:
        sql(f"SET LOCAL ROLE {ROLE}")

    yield switch
    sql("RESET ROLE")


def refused(statement: str) -> None:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        sql(statement)
    assert isinstance(caught.value.__cause__, psycopg.errors.InsufficientPrivilege), caught.value


def test_the_bank_runs_on_the_role(as_app_role: Callable[[], None], bank: int, alice: int, bob: int) -> None:
    as_app_role()
    ledger.transfer(from_account_id=alice, to_account_id=bob, amount=eur(300), idempotency_key=key())
    ledger.post_batch(
        transfers=[TransferRequest(from_account_id=alice, to_account_id=bob, amount=eur(200), idempotency_key=key())]
    )
    account = open_account(now=NOW)  # the IBAN sequence, the account's own ledger account
    audit_record(kind=Kind.LOGIN, user_id=account.customer_id, now=NOW, details={})
    assert ledger_read.balance(account_id=bob) == eur(500)


@pytest.mark.parametrize(
    "attack",
    [
        "DELETE FROM ledger_posting",
        "UPDATE ledger_posting SET amount_minor = 0",
        "TRUNCATE ledger_posting",
        "DELETE FROM ledger_entry",
        "TRUNCATE ledger_entry CASCADE",
        "DELETE FROM ledger_ledgeraccount",
        "UPDATE users_auditevent SET details = '{}'",
        "DELETE FROM users_auditevent",
        "DELETE FROM django_migrations",
        "ALTER TABLE ledger_posting DISABLE TRIGGER ALL",
        "DROP TRIGGER ledger_posting_immutable ON ledger_posting",
        "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql"
        " AS $$ BEGIN RETURN NEW; END $$",
        "SET session_replication_role = replica",
    ],
)
def test_the_role_cannot_unmake_the_books(as_app_role: Callable[[], None], alice: int, attack: str) -> None:
    as_app_role()
    refused(attack)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (f"CREATE ROLE {ROLE} SUPERUSER NOLOGIN", "is a superuser"),
        (f"CREATE ROLE {ROLE} NOLOGIN; GRANT bankcore_ledger_post TO {ROLE}", "member of bankcore_ledger_post"),
        (
            f"CREATE ROLE {ROLE} NOLOGIN; CREATE TABLE owned_by_it (id int); ALTER TABLE owned_by_it OWNER TO {ROLE}",
            "owns tables",
        ),
        ("SELECT 1", "No database role"),
    ],
)
def test_a_role_that_could_undo_it_is_refused_in_one_line(setup: str, message: str) -> None:
    sql(setup)
    with pytest.raises(CommandError, match=message):
        call_command("db_app_role", ROLE, stdout=StringIO())


def test_every_migrate_grants_the_configured_role_again(settings: Any) -> None:
    from bankcore.ledger.apps import _grant_app_role

    sql(f"CREATE ROLE {ROLE} NOLOGIN")
    settings.DATABASE_APP_ROLE = ROLE
    _grant_app_role(sender=apps.get_app_config("ledger"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'ledger_posting', 'INSERT'),"
            " has_table_privilege(%s, 'ledger_posting', 'DELETE')",
            [ROLE, ROLE],
        )
        assert cursor.fetchone() == (True, False)
