"""The plain-SQL reference for the ledger's figures: a transfer's work as one statement, driven by pgbench.

What `ledger_post` does for a transfer, written as one data-modifying CTE: claim the entry's
unique key, move the two accounts with guarded updates (lower id first, the ledger's lock order),
write the two postings with their balance after. The tables are copies of the ledger's (same
columns, defaults, checks, indexes and the entry's deferred self reference), filled with the
bench's own accounts, so both sides touch the same rows from the same number of clients; what
they lack is the ledger's function, triggers, advisory locks and Python client. The batch
statement writes BATCH_SIZE transfers at once, guarding each account's net movement (the ledger
decides each transfer in order; with the bench's balances nothing is ever refused either way).
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from bench.pgbench import pgbench_tps

# 64 characters, as long as the ledger's fingerprints: every entry stores the same bytes.
FINGERPRINT = "0" * 64

TABLES = (
    "CREATE TABLE bench_sql_account (LIKE ledger_ledgeraccount INCLUDING ALL)",
    "INSERT INTO bench_sql_account SELECT * FROM ledger_ledgeraccount",
    "CREATE TABLE bench_sql_entry (LIKE ledger_entry INCLUDING ALL)",
    "ALTER TABLE bench_sql_entry ADD FOREIGN KEY (reverses_id) REFERENCES bench_sql_entry (id)"
    " DEFERRABLE INITIALLY DEFERRED",
    "CREATE TABLE bench_sql_posting (LIKE ledger_posting INCLUDING ALL)",
)

# One transfer. :lo/:hi are the two accounts in lock order, :dlo/:dhi what each balance moves
# (holder side; the bench's accounts are credit-normal, so a posting's amount is the opposite).
TRANSFER = """
WITH entry AS (
    INSERT INTO bench_sql_entry (idempotency_key, kind, description, metadata, fingerprint, created_at)
    VALUES ('s' || :client_id || '-' || :k, 'transfer', '', '{}', :fp, clock_timestamp())
    ON CONFLICT DO NOTHING
    RETURNING id
), low AS (
    UPDATE bench_sql_account a SET balance_minor = a.balance_minor + :dlo::bigint
     WHERE a.id = :lo::bigint AND a.status = 'open' AND a.currency = 'EUR'
       AND (:dlo::bigint >= 0 OR a.allow_negative
            OR a.balance_minor + :dlo::bigint - a.held_minor >= -a.overdraft_limit_minor)
       AND EXISTS (SELECT FROM entry)
    RETURNING a.id, a.balance_minor
), high AS (
    UPDATE bench_sql_account a SET balance_minor = a.balance_minor + :dhi::bigint
     WHERE a.id = :hi::bigint AND a.status = 'open' AND a.currency = 'EUR'
       AND (:dhi::bigint >= 0 OR a.allow_negative
            OR a.balance_minor + :dhi::bigint - a.held_minor >= -a.overdraft_limit_minor)
       AND EXISTS (SELECT FROM low)
    RETURNING a.id, a.balance_minor
)
INSERT INTO bench_sql_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
SELECT entry.id, moved.id, moved.amount, 'EUR', moved.balance_minor, clock_timestamp()
  FROM entry, (SELECT id, -:dlo::bigint AS amount, balance_minor FROM low
               UNION ALL SELECT id, -:dhi::bigint, balance_minor FROM high) AS moved;
"""

# Two distinct accounts of :n from :first, as the ledger's workers draw them.
RANDOM_PAIR = r"""
\set a random(0, :n - 1)
\set b (:a + random(1, :n - 1)) % :n
\set amt random(1, 10000)
\set k random(1, 9000000000000000000)
\set lo :first + least(:a, :b)
\set hi :first + greatest(:a, :b)
\set dlo case when :a < :b then -1 * :amt else :amt end
\set dhi -1 * :dlo
"""

# The hot account is the lowest id and the target, as in the ledger's hot run.
HOT_ROW = r"""
\set amt random(1, 10000)
\set k random(1, 9000000000000000000)
\set lo :first
\set hi :first + random(1, :n - 1)
\set dlo :amt
\set dhi -1 * :amt
"""

BATCH = r"""
\set k random(1, 9000000000000000000)
WITH t AS MATERIALIZED (
    SELECT pos, :first::bigint + a AS src, :first::bigint + (a + d) % :n::bigint AS dst, amount,
           nextval(pg_get_serial_sequence('bench_sql_entry', 'id')) AS entry_id
      FROM (SELECT g AS pos, floor(random() * :n::int)::bigint AS a,
                   1 + floor(random() * (:n::int - 1))::bigint AS d, 1 + floor(random() * 10000)::bigint AS amount
              FROM generate_series(1, :size::int) AS g) AS r
), legs AS MATERIALIZED (
    SELECT t.entry_id, t.pos, v.ord, v.account, v.delta
      FROM t CROSS JOIN LATERAL (VALUES (1, t.src, -t.amount), (2, t.dst, t.amount)) AS v(ord, account, delta)
), moves AS (
    SELECT account, sum(delta)::bigint AS net FROM legs GROUP BY account
), moved AS (
    UPDATE bench_sql_account a SET balance_minor = a.balance_minor + m.net
      FROM moves m
     WHERE a.id = m.account AND a.status = 'open' AND a.currency = 'EUR'
       AND (m.net >= 0 OR a.allow_negative OR a.balance_minor + m.net - a.held_minor >= -a.overdraft_limit_minor)
    RETURNING a.id, a.balance_minor - m.net AS before
), entries AS (
    INSERT INTO bench_sql_entry (id, idempotency_key, kind, description, metadata, fingerprint, created_at)
    SELECT entry_id, 'sb' || :k || '-' || pos, 'transfer', '', '{}', :fp, clock_timestamp() FROM t ORDER BY pos
)
INSERT INTO bench_sql_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
SELECT l.entry_id, l.account, -l.delta, 'EUR',
       m.before + sum(l.delta) OVER (PARTITION BY l.account ORDER BY l.pos, l.ord), clock_timestamp()
  FROM legs l JOIN moved m ON m.id = l.account
 ORDER BY l.pos, l.ord;
"""


class SqlReference:
    """Scratch tables holding a copy of the bench's accounts, and pgbench runs against them."""

    def __init__(
        self, pgbench: str, server: Any, database: str, accounts: list[int], *, clients: int, batch_size: int
    ) -> None:
        from django.db import connection

        first = accounts[0]
        if accounts != list(range(first, first + len(accounts))):
            raise RuntimeError("the bench's accounts must have consecutive ids for the SQL reference")
        self._pgbench = (pgbench, server, database)
        self._clients = clients
        self._batch_size = batch_size
        self._variables = ["-D", f"first={first}", "-D", f"n={len(accounts)}", "-D", f"fp={FINGERPRINT}"]
        with connection.cursor() as cursor:
            for statement in TABLES:
                cursor.execute(statement)
        self._dir = tempfile.TemporaryDirectory(prefix="bankcore-bench-sql-")  # removed with this object
        self._scripts = {
            "random": self._script("random", RANDOM_PAIR + TRANSFER),
            "hot": self._script("hot", HOT_ROW + TRANSFER),
            "batch": self._script("batch", BATCH),
        }

    def _script(self, name: str, text: str) -> str:
        path = os.path.join(self._dir.name, f"{name}.sql")
        with open(path, "w") as script:
            script.write(text.strip() + "\n")
        return path

    def run(self, seconds: float, *, hot: bool = False, batch: bool = False) -> float:
        """Transfers per second: as many clients as the ledger's workers, or one as its batch run."""
        if batch:
            tps = pgbench_tps(*self._pgbench, seconds=seconds, clients=1, args=self._args("batch"))
            return tps * self._batch_size
        return pgbench_tps(
            *self._pgbench, seconds=seconds, clients=self._clients, args=self._args("hot" if hot else "random")
        )

    def _args(self, script: str) -> list[str]:
        # -n: pgbench's own tables are not this script's to vacuum.
        return ["-n", *self._variables, "-D", f"size={self._batch_size}", "-f", self._scripts[script]]

    def check(self) -> None:
        """The reference did the whole work: every entry two postings that balance, every balance after right."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM bench_sql_entry e"
                "         WHERE (SELECT count(*) FROM bench_sql_posting p WHERE p.entry_id = e.id) <> 2),"
                "       (SELECT count(*) FROM (SELECT entry_id FROM bench_sql_posting GROUP BY entry_id"
                "                              HAVING sum(amount_minor) <> 0) AS unbalanced),"
                "       (SELECT count(*) FROM (SELECT balance_after_minor + amount_minor - lag(balance_after_minor)"
                "                                     OVER (PARTITION BY account_id ORDER BY id) AS drift"
                "                                FROM bench_sql_posting) AS chain WHERE drift <> 0),"
                "       (SELECT count(*) FROM bench_sql_account a"
                "         WHERE a.balance_minor <> COALESCE((SELECT p.balance_after_minor FROM bench_sql_posting p"
                "                 WHERE p.account_id = a.id ORDER BY p.id DESC LIMIT 1), a.balance_minor)),"
                "       (SELECT count(*) FROM bench_sql_entry)"
            )
            incomplete, unbalanced, broken, drifted, entries = cursor.fetchone()
        if incomplete or unbalanced or broken or drifted or not entries:
            raise RuntimeError(
                f"the SQL reference is wrong: {incomplete} entries without two postings, {unbalanced} unbalanced,"
                f" {broken} postings off their account's chain, {drifted} balances off their last posting"
            )
