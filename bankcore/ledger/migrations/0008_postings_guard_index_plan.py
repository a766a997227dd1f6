"""PostgreSQL: the postings guard of 0007 looks entries up by index, whatever the batch size.

Planned for a 1,000-transfer batch, 0007's join read the whole entry table (a hash join, 60 ms
on 66,000 entries, and growing with the table); LATERAL subqueries keep it to two index probes
per entry of the statement. Same checks, same messages.
"""

from django.db import migrations

GUARD = r"""
CREATE OR REPLACE FUNCTION ledger_guard_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
BEGIN
    -- Per entry of the statement: does it exist, had it postings before this statement (more
    -- rows than the new ones), and did those sum to zero in every currency (all its postings
    -- less the new ones)? Postings from before that balance mean the entry was complete.
    WITH fresh AS (
        SELECT r.entry_id, r.currency, sum(r.amount_minor) AS total, count(*) AS rows
          FROM new_postings r
         GROUP BY r.entry_id, r.currency
    ), entries AS (
        SELECT f.entry_id, sum(f.rows) AS rows FROM fresh f GROUP BY f.entry_id
    )
    SELECT x.entry_id, e.found IS NULL AS missing INTO v_bad
      FROM entries x
      LEFT JOIN LATERAL (SELECT true AS found FROM ledger_entry le WHERE le.id = x.entry_id LIMIT 1) AS e ON true
      CROSS JOIN LATERAL (SELECT count(*) AS rows FROM ledger_posting p WHERE p.entry_id = x.entry_id) AS c
     WHERE e.found IS NULL
        OR (c.rows > x.rows
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
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(GUARD)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_entry_level_integrity_check")]

    # Going back keeps this version: 0007's checks the same things.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
