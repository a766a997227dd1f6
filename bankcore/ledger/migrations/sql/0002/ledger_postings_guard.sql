-- Per INSERT statement on postings, set-based (one call however many rows): what the dropped
-- foreign keys refused and more; see ledger_guard_postings.sql.
--
-- Statements run inside ledger_post are skipped: each account it posts to was just moved by its
-- own guarded UPDATE (exists, locked, right currency) and the entry is the one it has just
-- created. It runs as bankcore_ledger_post, which no client session can become, so no other
-- writer can claim the skip (see ledger_post.sql).
DROP TRIGGER IF EXISTS ledger_postings_guard ON ledger_posting;
CREATE TRIGGER ledger_postings_guard AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT
    WHEN (current_user <> 'bankcore_ledger_post')
    EXECUTE FUNCTION ledger_guard_postings();
