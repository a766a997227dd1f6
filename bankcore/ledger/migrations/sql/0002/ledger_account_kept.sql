DROP TRIGGER IF EXISTS ledger_account_kept ON ledger_ledgeraccount;
CREATE TRIGGER ledger_account_kept AFTER DELETE OR UPDATE OF id, currency ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();
