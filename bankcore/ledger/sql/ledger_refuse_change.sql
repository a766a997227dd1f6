-- Entries and postings are immutable: a correction is a reversing entry, so the history a
-- balance was computed from can always be read back.
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % rows are immutable: % refused; post a reversing entry instead',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
