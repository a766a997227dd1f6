"""PostgreSQL: the commit-time integrity check runs once per entry instead of three times.

0003 queued three deferred checks per transfer (one per posting, one per entry), each a
plpgsql call run at commit while the accounts are still locked. The same guarantee now costs one
deferred check per entry plus one statement-level check per INSERT:

- ``ledger_entry_checked`` (deferred, per new entry): at commit the entry has postings, each in
  its account's currency, summing to zero per currency.
- ``ledger_postings_guard`` (per INSERT statement on postings, not deferrable): a posting must
  name an existing entry, and an entry that already balances takes no more postings. Committed
  entries all balance, so a posting added to an old entry is refused at INSERT time; an entry
  of the current transaction whose check already ran early (SET CONSTRAINTS … IMMEDIATE) was
  balanced then, so it is closed to new postings too. Until an entry first balances its postings
  may arrive over several statements; the deferred check judges the final set.
"""

from django.db import migrations

TRIGGERS = r"""
CREATE OR REPLACE FUNCTION ledger_check_entry_complete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    -- One query per entry; a second only when the entry has several currencies or is refused.
    SELECT count(*) AS n, sum(p.amount_minor) AS total, min(p.currency) AS low, max(p.currency) AS high,
           bool_or(a.currency IS DISTINCT FROM p.currency) AS foreign_currency
      INTO v
      FROM ledger_posting p
      LEFT JOIN ledger_ledgeraccount a ON a.id = p.account_id
     WHERE p.entry_id = NEW.id;
    IF v.n = 0 THEN
        RAISE EXCEPTION 'entry % has no postings', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF v.foreign_currency THEN
        SELECT p.id AS posting_id, p.currency, p.account_id, a.currency AS account_currency INTO v
          FROM ledger_posting p
          LEFT JOIN ledger_ledgeraccount a ON a.id = p.account_id
         WHERE p.entry_id = NEW.id AND a.currency IS DISTINCT FROM p.currency
         ORDER BY p.id
         LIMIT 1;
        RAISE EXCEPTION 'entry %: posting % is in % but account % holds %',
            NEW.id, v.posting_id, v.currency, v.account_id, v.account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF v.low = v.high AND v.total = 0 THEN
        RETURN NULL;
    END IF;
    SELECT p.currency, sum(p.amount_minor) AS total INTO v
      FROM ledger_posting p
     WHERE p.entry_id = NEW.id
     GROUP BY p.currency
    HAVING sum(p.amount_minor) <> 0
     ORDER BY p.currency
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % does not balance: its % postings sum to %', NEW.id, v.currency, v.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION ledger_guard_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
BEGIN
    -- Per entry of the statement: had it postings before this statement (more rows than the
    -- new ones), and did those sum to zero in every currency (all its postings less the new)?
    WITH fresh AS (
        SELECT r.entry_id, r.currency, sum(r.amount_minor) AS total, count(*) AS rows
          FROM new_postings r
         GROUP BY r.entry_id, r.currency
    ), entries AS (
        SELECT f.entry_id, sum(f.rows) AS rows FROM fresh f GROUP BY f.entry_id
    )
    SELECT x.entry_id, e.id IS NULL AS missing INTO v_bad
      FROM entries x
      LEFT JOIN ledger_entry e ON e.id = x.entry_id
     WHERE e.id IS NULL
        OR ((SELECT count(*) FROM ledger_posting p WHERE p.entry_id = x.entry_id) > x.rows
            AND NOT EXISTS (
                SELECT 1
                  FROM ledger_posting p
                  LEFT JOIN fresh f ON f.entry_id = p.entry_id AND f.currency = p.currency
                 WHERE p.entry_id = x.entry_id
                 GROUP BY p.currency
                HAVING sum(p.amount_minor) - COALESCE(max(f.total), 0) <> 0))
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_bad.missing THEN
        RAISE EXCEPTION 'a posting names entry %, which does not exist', v_bad.entry_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RAISE EXCEPTION 'entry % already balances: with another posting it does not balance; post a new entry instead',
        v_bad.entry_id USING ERRCODE = 'check_violation';
END
$$;

DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_not_empty ON ledger_entry;

CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_complete();

CREATE TRIGGER ledger_postings_guard AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_guard_postings();
"""

# Back to 0003's triggers (its functions are still there).
BACK = r"""
DROP TRIGGER IF EXISTS ledger_postings_guard ON ledger_posting;
DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_guard_postings();
DROP FUNCTION IF EXISTS ledger_check_entry_complete();

CREATE CONSTRAINT TRIGGER ledger_posting_balanced AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_posting();
CREATE CONSTRAINT TRIGGER ledger_entry_not_empty AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry();
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
    dependencies = [("ledger", "0006_post_batch_function")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
