"""PostgreSQL: transfer entries are checked at the end of the statement that inserts them.

Every transfer entry is written together with its postings in one statement (``ledger_post``
and ``ledger_post_batch``), so it can be judged complete right there, set-based, once per
statement, instead of by one deferred call per entry at commit (a 1,000-transfer batch paid
1,000 of them while its accounts were locked). Entries of other kinds keep 0007's deferred check,
so their postings may still arrive over several statements (the ORM's hold capture does that).

The guarantee stays whole: a transfer entry must have postings, in their accounts' currencies,
summing to zero per currency by the end of its INSERT statement or the statement fails; once it
balances, 0007's guard refuses any posting added to it. Choosing the kind only chooses when the
check runs, never whether.
"""

from django.db import migrations

TRIGGERS = r"""
CREATE OR REPLACE FUNCTION ledger_check_new_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    -- Per new transfer entry (two index probes per posting, whatever the statement's size):
    -- its postings per currency, their total and whether an account holds another currency.
    SELECT n.id, c.rows, c.foreign_currency, c.unbalanced INTO v
      FROM new_entries n
     CROSS JOIN LATERAL (
            SELECT COALESCE(sum(g.rows), 0) AS rows, COALESCE(bool_or(g.foreign_currency), false) AS foreign_currency,
                   COALESCE(bool_or(g.total <> 0), false) AS unbalanced
              FROM (SELECT p.currency, count(*) AS rows, sum(p.amount_minor) AS total,
                           bool_or(a.currency IS DISTINCT FROM p.currency) AS foreign_currency
                      FROM ledger_posting p
                      LEFT JOIN ledger_ledgeraccount a ON a.id = p.account_id
                     WHERE p.entry_id = n.id
                     GROUP BY p.currency) AS g) AS c
     WHERE n.kind = 'transfer' AND (c.rows = 0 OR c.foreign_currency OR c.unbalanced)
     ORDER BY n.id
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v.rows = 0 THEN
        RAISE EXCEPTION 'entry % has no postings', v.id USING ERRCODE = 'check_violation';
    END IF;
    IF v.foreign_currency THEN
        SELECT p.entry_id, p.id AS posting_id, p.currency, p.account_id, a.currency AS account_currency INTO v
          FROM ledger_posting p
          LEFT JOIN ledger_ledgeraccount a ON a.id = p.account_id
         WHERE p.entry_id = v.id AND a.currency IS DISTINCT FROM p.currency
         ORDER BY p.id
         LIMIT 1;
        RAISE EXCEPTION 'entry %: posting % is in % but account % holds %',
            v.entry_id, v.posting_id, v.currency, v.account_id, v.account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT p.entry_id, p.currency, sum(p.amount_minor) AS total INTO v
      FROM ledger_posting p
     WHERE p.entry_id = v.id
     GROUP BY p.entry_id, p.currency
    HAVING sum(p.amount_minor) <> 0
     ORDER BY p.currency
     LIMIT 1;
    RAISE EXCEPTION 'entry % does not balance: its % postings sum to %', v.entry_id, v.currency, v.total
        USING ERRCODE = 'check_violation';
END
$$;

DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.kind <> 'transfer') EXECUTE FUNCTION ledger_check_entry_complete();

CREATE TRIGGER ledger_transfers_checked AFTER INSERT ON ledger_entry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_new_transfers();
"""

BACK = r"""
DROP TRIGGER IF EXISTS ledger_transfers_checked ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_new_transfers();
DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_complete();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(TRIGGERS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACK)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_postings_guard_index_plan")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
