-- The entry check, run at commit by the deferred ledger_entry_checked trigger: the entry has
-- postings and they sum to zero per currency. Their currencies and accounts were judged by the
-- guard as they arrived, so this is one index range of the entry's own postings, no join.
CREATE OR REPLACE FUNCTION ledger_check_entry_complete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    SELECT count(*) AS n, sum(p.amount_minor) AS total, min(p.currency) AS low, max(p.currency) AS high INTO v
      FROM ledger_posting p
     WHERE p.entry_id = NEW.id;
    IF v.n = 0 THEN
        RAISE EXCEPTION 'entry % has no postings', NEW.id USING ERRCODE = 'check_violation';
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
