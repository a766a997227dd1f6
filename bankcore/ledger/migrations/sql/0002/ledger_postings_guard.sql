DROP TRIGGER IF EXISTS ledger_postings_guard ON ledger_posting;
CREATE TRIGGER ledger_postings_guard AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT
    WHEN (nullif(current_setting('bankcore.ledger_post', true), '') IS NULL)
    EXECUTE FUNCTION ledger_guard_postings();
