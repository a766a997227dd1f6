"""The database role the application connects as: everything it needs and nothing that unmakes the books.

The tables' owner (the role that migrates) can disable the ledger's triggers, truncate its
tables or replace its functions (docs/SECURITY.md). The application should not be that role:
``db_app_role`` gives an existing login role exactly what the running bank uses, and
``DATABASE_APP_ROLE`` re-applies it after every ``migrate`` so new tables are covered.

What the role may not do, whatever a bug or an injected statement asks: update, delete or
truncate an entry or a posting, delete or truncate a ledger account, change or remove a line of
the audit log, write the migration history, own anything (so no ``ALTER``, ``DROP`` or
``DISABLE TRIGGER``), or switch triggers off with ``session_replication_role`` (a superuser's
right, refused below).
"""

from __future__ import annotations

from django.db import connection

from bankcore.errors import DomainError

# Tables the running bank only appends to or reads: privilege name -> tables.
APPEND_ONLY = ("ledger_entry", "ledger_posting", "users_auditevent")
NEVER_REMOVED = ("ledger_ledgeraccount",)
READ_ONLY = ("django_migrations",)
POSTING_FUNCTIONS = (
    "ledger_post(text, text, text, jsonb, text, bigint, bigint[], bigint[], text[])",
    "ledger_post_batch(text[], bigint[], bigint[], bigint[], text[], text[], text[], text[])",
)


class AppRoleRefused(DomainError):
    """The role cannot be made the application's; ``code`` says why."""

    code = "app_role_refused"


def _quoted(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(%s)", [name])
        return str(cursor.fetchone()[0])


def _check(role: str) -> None:
    if connection.vendor != "postgresql":
        raise AppRoleRefused("Database roles need PostgreSQL (DATABASE_URL=postgres://…).", code="not_postgresql")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise AppRoleRefused(f"No database role {role!r}: an administrator creates it first.", code="no_role")
        if row[0]:
            raise AppRoleRefused(f"{role!r} is a superuser: it could undo every restriction.", code="superuser")
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = %s",
            [role],
        )
        if cursor.fetchone()[0]:
            raise AppRoleRefused(f"{role!r} owns tables: connect as a role that owns none.", code="owner")
        cursor.execute("SELECT pg_has_role(%s, 'bankcore_ledger_post', 'MEMBER')", [role])
        if cursor.fetchone()[0]:
            raise AppRoleRefused(
                f"{role!r} is a member of bankcore_ledger_post: it could skip the postings guard.", code="ledger_member"
            )


def app_role_grant(*, role: str) -> None:
    """Give ``role`` the application's rights on every table, sequence and posting function; idempotent.

    Run as the tables' owner. Refused: ``not_postgresql``, ``no_role``, ``superuser``, ``owner``
    (the role owns a table), ``ledger_member``.
    """
    _check(role)
    who = _quoted(role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {who}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {who}",
        *(f"REVOKE UPDATE, DELETE ON {table} FROM {who}" for table in APPEND_ONLY),
        *(f"REVOKE DELETE ON {table} FROM {who}" for table in NEVER_REMOVED),
        *(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {who}" for table in READ_ONLY),
        *(f"GRANT EXECUTE ON FUNCTION {function} TO {who}" for function in POSTING_FUNCTIONS),
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
