"""PostgreSQL: the check that keeps an account with postings runs after the change, not before.

``ledger_account_kept`` (0011) refuses to delete an account that has postings, or to give it
another id or currency. As a BEFORE ROW trigger it made every ``UPDATE`` of an account lock the
row a second time before updating it, whether or not the trigger then fired: PostgreSQL locks
the old row for any BEFORE UPDATE row trigger, before it looks at the trigger's column list.
Every post moves each of its accounts with an ``UPDATE``, so every post paid that extra lock
and its WAL record while holding its accounts (on one hot account, pgbench driving
``ledger_post`` with 8 clients: about 1,950 calls a second with it, 2,050–2,110 without).

As an AFTER ROW trigger it is queued only when the statement deletes the row or sets its id or
currency, and refuses the same changes with the same errors before the statement ends. It still
needs READ COMMITTED: the delete waits for a concurrent transaction that holds the row (a post
moving it, or a writer's ``FOR KEY SHARE`` from the postings guard), and the look for postings,
taken after that wait, then sees that transaction's commit.
"""

from django.db import migrations

AFTER = r"""
DROP TRIGGER ledger_account_kept ON ledger_ledgeraccount;
CREATE TRIGGER ledger_account_kept AFTER DELETE OR UPDATE OF id, currency ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();
"""

BEFORE = r"""
DROP TRIGGER ledger_account_kept ON ledger_ledgeraccount;
CREATE TRIGGER ledger_account_kept BEFORE DELETE OR UPDATE OF id, currency ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(AFTER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BEFORE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0014_post_vouches_for_its_own_writes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
