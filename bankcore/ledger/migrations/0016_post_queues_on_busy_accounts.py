"""PostgreSQL: concurrent posts to one account wait in line instead of racing for its row.

When a row is updated under READ COMMITTED and its holder commits, PostgreSQL wakes a waiter that
then finds the row changed, re-reads its newest version and re-checks the update (EvalPlanQual),
while the next waiter, woken in turn, races for the same version and goes back to sleep. On a hot
account every post paid that in the time the account stays locked. ``ledger_post`` now first
takes a transaction-level advisory lock keyed by each account's id, in the same ascending order
as the rows, just before updating the row: posts then queue on the advisory lock, each woken
alone once its predecessor has committed, and find the row free and current (8 Python workers
on one hot account: 1,830 against 1,680 transfers a second, three runs each, alternating).

Only a call that is its own transaction so far does this: one with no transaction id yet, and so
no row locks (locking a row needs one). A caller's transaction that has already written may hold
an account's row without its advisory lock; queueing for that lock while the holder waits for
its row would be a deadlock, so such a call locks rows only, as before. Other writers (batches,
holds, the ORM path) take rows only, in ascending order, and never wait for an advisory lock.
Entries naming more than 16 accounts skip the queue too (advisory locks take room in the shared
lock table; row locks do not). The ledger owns the single-bigint advisory keys of its database.
"""

from importlib import import_module

from django.db import migrations

EARLIER = import_module("bankcore.ledger.migrations.0014_post_vouches_for_its_own_writes")

QUEUE_LIMIT = 16

CHANGES = [
    (
        "    v_now timestamptz;\n",
        "    v_now timestamptz;\n"
        "    -- Queue on each account's advisory lock: only while this transaction holds no row lock.\n"
        "    v_queue boolean := pg_current_xact_id_if_assigned() IS NULL;\n",
    ),
    (
        "    v_after := array_fill(NULL::numeric, ARRAY[cardinality(v_ids)]);\n",
        f"    v_queue := v_queue AND cardinality(v_ids) <= {QUEUE_LIMIT};\n"
        "    v_after := array_fill(NULL::numeric, ARRAY[cardinality(v_ids)]);\n",
    ),
    (
        "        UPDATE ledger_ledgeraccount a\n           SET balance_minor = (a.balance_minor + CASE",
        "        IF v_queue THEN\n"
        "            PERFORM pg_advisory_xact_lock(v_ids[j]);\n"
        "        END IF;\n"
        "        UPDATE ledger_ledgeraccount a\n           SET balance_minor = (a.balance_minor + CASE",
    ),
]


def _post_function() -> str:
    return EARLIER.apply_changes(EARLIER._post_function(), CHANGES, "0014")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_post_function())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(EARLIER._post_function())


class Migration(migrations.Migration):
    dependencies = [("ledger", "0015_account_kept_after_the_change")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
