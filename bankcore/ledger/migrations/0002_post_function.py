"""PostgreSQL: ``ledger_post``, the whole posting of one entry in one statement.

Checks come first and write nothing; a refusal is returned as an outcome code instead of being
raised, so a caller's surrounding transaction stays usable. Only PostgreSQL gets it: elsewhere the
ORM path in services.py does the same steps.
"""

from django.db import migrations

POST_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_kind text, p_description text, p_metadata jsonb, p_fingerprint text,
    p_reverses bigint, p_accounts bigint[], p_amounts bigint[], p_currencies text[],
    OUT out_entry_id bigint, OUT out_outcome text, OUT out_detail text
) LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_net numeric;
    v_delta numeric;
    v_now timestamptz;
    v_balance bigint;
    v_n int := cardinality(p_accounts);
    i int;
BEGIN
    out_detail := '';
    -- A replay returns the first entry before taking any lock.
    SELECT e.id, e.fingerprint INTO v_row FROM ledger_entry e WHERE e.idempotency_key = p_key;
    IF FOUND THEN
        IF v_row.fingerprint = p_fingerprint THEN
            out_entry_id := v_row.id; out_outcome := 'replayed';
        ELSE
            out_outcome := 'idempotency_conflict';
            out_detail := format('idempotency key %L was used for a different request', p_key);
        END IF;
        RETURN;
    END IF;

    -- Accounts are never deleted, so an unknown id can be found before locking.
    SELECT format('no ledger account %s', min(x)) INTO out_detail
      FROM unnest(p_accounts) AS x
     WHERE NOT EXISTS (SELECT 1 FROM ledger_ledgeraccount a WHERE a.id = x)
    HAVING count(*) > 0;
    IF FOUND THEN
        out_outcome := 'unknown_account';
        RETURN;
    END IF;
    out_detail := '';

    -- Lock in ascending id order (LockRows sits above the Sort): no deadlock between postings.
    FOR v_row IN
        SELECT a.id, a.currency, a.status, a.normal_side, a.allow_negative, a.overdraft_limit_minor,
               a.balance_minor, a.held_minor
          FROM ledger_ledgeraccount a
         WHERE a.id = ANY (p_accounts)
         ORDER BY a.id
           FOR UPDATE
    LOOP
        v_net := 0;
        FOR i IN 1..v_n LOOP
            IF p_accounts[i] = v_row.id THEN
                IF p_currencies[i] <> v_row.currency THEN
                    out_outcome := 'currency_mismatch';
                    out_detail := format('account %s holds %s', v_row.id, v_row.currency);
                    RETURN;
                END IF;
                v_net := v_net + p_amounts[i];
            END IF;
        END LOOP;
        IF v_row.status = 'closed' THEN
            out_outcome := 'account_closed'; out_detail := format('account %s is closed', v_row.id); RETURN;
        END IF;
        IF v_row.status = 'frozen' THEN
            out_outcome := 'account_frozen'; out_detail := format('account %s is frozen', v_row.id); RETURN;
        END IF;
        v_delta := CASE WHEN v_row.normal_side = 'credit' THEN -v_net ELSE v_net END;
        IF abs(v_row.balance_minor + v_delta) > 9223372036854775807 THEN
            out_outcome := 'amount_out_of_range';
            out_detail := format('the balance of account %s would leave the 64-bit range', v_row.id);
            RETURN;
        END IF;
        IF v_delta < 0 AND NOT v_row.allow_negative
           AND v_row.balance_minor + v_delta - v_row.held_minor < -v_row.overdraft_limit_minor THEN
            out_outcome := 'insufficient_funds';
            out_detail := format('account %s has not enough available funds', v_row.id);
            RETURN;
        END IF;
    END LOOP;

    v_now := clock_timestamp();
    INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, reverses_id, created_at)
    VALUES (p_key, p_kind, p_description, p_metadata, p_fingerprint, p_reverses, v_now)
    ON CONFLICT DO NOTHING
    RETURNING id INTO out_entry_id;
    IF out_entry_id IS NULL THEN
        -- A concurrent post committed the same key (or reversed the same entry) first.
        SELECT e.id, e.fingerprint INTO v_row FROM ledger_entry e WHERE e.idempotency_key = p_key;
        IF FOUND AND v_row.fingerprint = p_fingerprint THEN
            out_entry_id := v_row.id; out_outcome := 'replayed';
        ELSIF FOUND THEN
            out_outcome := 'idempotency_conflict';
            out_detail := format('idempotency key %L was used for a different request', p_key);
        ELSE
            out_outcome := 'already_reversed';
            out_detail := format('entry %s was already reversed', p_reverses);
        END IF;
        RETURN;
    END IF;

    FOR i IN 1..v_n LOOP
        UPDATE ledger_ledgeraccount a
           SET balance_minor = a.balance_minor
               + CASE WHEN a.normal_side = 'credit' THEN -p_amounts[i] ELSE p_amounts[i] END
         WHERE a.id = p_accounts[i]
        RETURNING a.balance_minor INTO v_balance;
        INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
        VALUES (out_entry_id, p_accounts[i], p_amounts[i], p_currencies[i], v_balance, v_now);
    END LOOP;
    out_outcome := 'posted';
END
$$;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(POST_FUNCTION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "DROP FUNCTION IF EXISTS ledger_post(text, text, text, jsonb, text, bigint, bigint[], bigint[], text[])"
            )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
