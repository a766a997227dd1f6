-- Entries are never updated or deleted, whoever writes (see ledger_refuse_change.sql).
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
