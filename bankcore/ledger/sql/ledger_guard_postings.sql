-- The postings guard: what the posting's two foreign keys refused (they were dropped: four
-- checks per transfer at commit), judged once per INSERT statement, set-based.
--
-- - Every posting names an existing account, locked FOR KEY SHARE as a foreign key would lock
--   it (so a concurrent delete waits), and is in that account's currency.
-- - Every entry named exists, and postings it had from an earlier statement did not balance
--   yet: an entry's postings may arrive over several statements until it balances; once it
--   does (committed long ago, or checked early with SET CONSTRAINTS ... IMMEDIATE) it takes no
--   more.
-- LATERAL index probes keep it to a few lookups per entry whatever the table's size (a hash
-- join planned for a 1,000-transfer batch read the whole entry table).
CREATE OR REPLACE FUNCTION ledger_guard_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
BEGIN
    -- The accounts named are locked against deletion until commit, FOR KEY SHARE as a foreign key
    -- would lock them; all in one statement. Rows this transaction has just moved (the ledger's
    -- own posts) are locked by that update already and are skipped.
    PERFORM 1
       FROM ledger_ledgeraccount a
      WHERE a.id IN (SELECT n.account_id FROM new_postings n) AND a.xmin <> pg_current_xact_id()::xid
        FOR KEY SHARE;

    -- Per posting (index probes, LATERAL, as 0008 found): its account exists and holds its currency.
    SELECT n.id AS posting_id, n.entry_id, n.account_id, n.currency, a.currency AS account_currency INTO v_bad
      FROM new_postings n
      LEFT JOIN LATERAL (SELECT la.currency FROM ledger_ledgeraccount la WHERE la.id = n.account_id) AS a ON true
     WHERE a.currency IS DISTINCT FROM n.currency
     ORDER BY n.id
     LIMIT 1;
    IF FOUND AND v_bad.account_currency IS NULL THEN
        RAISE EXCEPTION 'a posting names ledger account %, which does not exist', v_bad.account_id
            USING ERRCODE = 'foreign_key_violation';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'entry %: posting % is in % but account % holds %',
            v_bad.entry_id, v_bad.posting_id, v_bad.currency, v_bad.account_id, v_bad.account_currency
            USING ERRCODE = 'check_violation';
    END IF;

    -- Per entry: it exists, and postings from an earlier statement, if any, did not balance yet
    -- (an entry's postings may arrive over several statements until it balances; once it does,
    -- whether committed long ago or checked early with SET CONSTRAINTS, it takes no more).
    SELECT x.entry_id, e.found IS NULL AS missing INTO v_bad
      FROM (SELECT n.entry_id, count(*) AS rows FROM new_postings n GROUP BY n.entry_id) AS x
      LEFT JOIN LATERAL (SELECT true AS found FROM ledger_entry le WHERE le.id = x.entry_id LIMIT 1) AS e ON true
     CROSS JOIN LATERAL (SELECT count(*) AS rows FROM ledger_posting p WHERE p.entry_id = x.entry_id) AS c
     WHERE e.found IS NULL
        OR CASE WHEN c.rows > x.rows THEN NOT EXISTS (
               SELECT 1
                 FROM ledger_posting p
                 LEFT JOIN (SELECT n.currency, sum(n.amount_minor) AS total
                              FROM new_postings n
                             WHERE n.entry_id = x.entry_id
                             GROUP BY n.currency) AS f ON f.currency = p.currency
                WHERE p.entry_id = x.entry_id
                GROUP BY p.currency
               HAVING sum(p.amount_minor) - COALESCE(max(f.total), 0) <> 0)
           ELSE false END
     ORDER BY x.entry_id
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
