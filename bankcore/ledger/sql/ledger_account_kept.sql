-- An AFTER trigger, not BEFORE: PostgreSQL locks the old row for any BEFORE UPDATE row trigger
-- before it looks at the trigger's column list, so every post's balance UPDATE paid a second
-- row lock and its WAL record while holding its accounts. AFTER ROW is queued only when the
-- statement deletes the row or sets its id or currency, and refuses the same changes before
-- the statement ends.
DROP TRIGGER IF EXISTS ledger_account_kept ON ledger_ledgeraccount;
CREATE TRIGGER ledger_account_kept AFTER DELETE OR UPDATE OF id, currency ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();
