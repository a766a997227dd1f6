DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.idempotency_key IS DISTINCT FROM nullif(current_setting('bankcore.ledger_post', true), ''))
    EXECUTE FUNCTION ledger_check_entry_complete();
