-- At commit, per entry: it has postings and they sum to zero per currency. Deferred, because
-- writers other than the ledger's functions (the ORM's hold capture) may add an entry's
-- postings over several statements; only the final set is judged.
--
-- Entries written by ledger_post are skipped: the function refuses unbalanced or zero legs
-- before it claims the key, and runs as bankcore_ledger_post, a role no client session can
-- become (see ledger_post.sql). The WHEN is evaluated as the row is inserted, inside the
-- function, so the skip never reaches what the same transaction writes afterwards.
DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (current_user <> 'bankcore_ledger_post')
    EXECUTE FUNCTION ledger_check_entry_complete();
