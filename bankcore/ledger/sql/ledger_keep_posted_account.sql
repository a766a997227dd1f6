-- What the posting-to-account foreign key refused: deleting an account that has postings or
-- changing its id; and, since its postings' currency was judged against it, changing its
-- currency. The guard's FOR KEY SHARE makes a delete wait for a concurrent transaction's
-- postings; the look for them must then see that commit, which a snapshot taken earlier
-- (REPEATABLE READ, SERIALIZABLE) would not, so those levels are refused here.
CREATE OR REPLACE FUNCTION ledger_keep_posted_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.currency = OLD.currency THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'ledger account %: deleting it or changing its id or currency needs READ COMMITTED', OLD.id
            USING ERRCODE = 'serialization_failure';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_posting p WHERE p.account_id = OLD.id) THEN
        RAISE EXCEPTION 'ledger account % has postings: it can be closed, but not deleted nor given another id or currency', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
