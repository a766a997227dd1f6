-- Postings are never updated or deleted, whoever writes (see ledger_refuse_change.sql).
DROP TRIGGER IF EXISTS ledger_posting_immutable ON ledger_posting;
CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
