"""PostgreSQL guards the books even against code that bypasses the services.

- Entries and postings are immutable: UPDATE and DELETE are refused (corrections are
  reversing entries).
- A deferred constraint trigger checks, at commit, that the postings of every entry touched
  sum to zero per currency and carry their account's currency, and that no entry is empty.
SQLite gets none of this; `manage.py reconcile` finds the same faults after the fact.
"""

from django.db import migrations

TRIGGERS = r"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % rows are immutable: % refused; post a reversing entry instead',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE OR REPLACE FUNCTION ledger_check_posting() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
    v_account_currency text;
BEGIN
    SELECT a.currency INTO v_account_currency FROM ledger_ledgeraccount a WHERE a.id = NEW.account_id;
    IF v_account_currency IS DISTINCT FROM NEW.currency THEN
        RAISE EXCEPTION 'entry %: posting % is in % but account % holds %',
            NEW.entry_id, NEW.id, NEW.currency, NEW.account_id, v_account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT p.currency, sum(p.amount_minor) AS total INTO v_bad
      FROM ledger_posting p
     WHERE p.entry_id = NEW.entry_id
     GROUP BY p.currency
    HAVING sum(p.amount_minor) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % does not balance: its % postings sum to %', NEW.entry_id, v_bad.currency, v_bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_posting();

CREATE OR REPLACE FUNCTION ledger_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_posting p WHERE p.entry_id = NEW.id) THEN
        RAISE EXCEPTION 'entry % has no postings', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_not_empty AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry();
"""

DROP = r"""
DROP TRIGGER IF EXISTS ledger_entry_not_empty ON ledger_entry;
DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_posting_immutable ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_entry();
DROP FUNCTION IF EXISTS ledger_check_posting();
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(TRIGGERS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_post_function")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
