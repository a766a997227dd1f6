-- ledger_post: the whole posting of one entry in one statement, the hot path of every transfer.
--
-- Why this shape:
-- - The idempotency key is claimed first, before any account is locked: the entry row and its
--   index entry are written while a contended account is still free, and a replay of a
--   committed entry never touches an account.
-- - Each account is then moved by one UPDATE in ascending id order (the update takes the row
--   lock, so that order is the lock order and two posts cannot deadlock), whose WHERE carries
--   the account's rules. Only when it finds nothing is the row read, to name the refusal in the
--   ORM path's order (currency, closed, frozen, credit-only, range, funds; an unknown account
--   anywhere wins). A credit-only account takes an entry whose net leg on it is a credit (debits
--   positive: v_net <= 0), the state of a customer account whose debits are blocked.
-- - A refusal is raised (SQLSTATE LG001, the code in the hint, the message as the text), which
--   undoes the claimed key with everything else; services.py runs the call in a savepoint when
--   inside a caller's transaction, so that transaction stays usable.
-- - A call that is its own transaction so far (no transaction id yet, so no row locks) first
--   queues on each account's advisory lock, in the same order: on a hot account posts then wait
--   in line, each woken alone, instead of racing for the row's newest version. A transaction
--   that has already written may hold a row without its advisory lock, so it locks rows only
--   (waiting for the lock while its holder waits for the row would deadlock). Entries of more
--   than 16 accounts skip the queue (advisory locks take room in the shared lock table). The
--   ledger owns the single-bigint advisory keys of its database.
--
-- Why SECURITY DEFINER, owned by bankcore_ledger_post: everything the postings guard and the
-- deferred entry check judge, this function has proven by the time it writes (each account was
-- just moved by its own guarded UPDATE, so it exists, is locked and holds the leg's currency;
-- the entry is new; the legs are non-zero and sum to zero per currency, checked before the key
-- is claimed). Running those triggers on top cost a hot account about a third of its
-- throughput. So the two triggers skip statements run as bankcore_ledger_post, a role nobody
-- logs in as and that only this function becomes: no client session can mark its own writes as
-- the function's (a setting, which the ledger used before, any session could set by hand).
-- search_path is pinned, pg_temp last, so a caller's temporary tables cannot stand in for the
-- ledger's. See docs/SECURITY.md for what the tables' owner can still do.

-- Roles belong to the whole server: every database of it shares this one, made by whichever
-- migrates first.
DO $$
BEGIN
    CREATE ROLE bankcore_ledger_post NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT SELECT, INSERT ON ledger_entry, ledger_posting TO bankcore_ledger_post;
GRANT SELECT, UPDATE ON ledger_ledgeraccount TO bankcore_ledger_post;

CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_kind text, p_description text, p_metadata jsonb, p_fingerprint text,
    p_reverses bigint, p_accounts bigint[], p_amounts bigint[], p_currencies text[],
    OUT out_entry_id bigint, OUT out_outcome text, OUT out_detail text
) LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    v_n int := cardinality(p_accounts);
    v_ids bigint[];           -- the entry's distinct accounts, ascending: the lock order
    v_after numeric[];        -- per account (same positions): the holder-side balance, walked back leg by leg
    v_sign int[];             -- per account: +1 when debits raise its balance, -1 when credits do
    v_leg_after bigint[];     -- per leg: the balance after that leg
    v_net numeric;
    v_delta numeric;
    v_currency text;
    v_balance bigint;
    v_one_sign int;
    v_refusal text;
    v_missing bigint;
    v_row record;
    v_now timestamptz;
    -- Queue on each account's advisory lock: only while this transaction holds no row lock.
    v_queue boolean := pg_current_xact_id_if_assigned() IS NULL;
    i int;
    j int;
BEGIN
    out_detail := '';
    IF v_n IS NULL OR v_n < 2 OR cardinality(p_amounts) IS DISTINCT FROM v_n
       OR cardinality(p_currencies) IS DISTINCT FROM v_n OR array_position(p_accounts, NULL) IS NOT NULL
       OR array_position(p_amounts, NULL) IS NOT NULL OR array_position(p_currencies, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'ledger_post needs two or more legs, each an account, an amount and a currency'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Legs are read both by subscript and by unnest: both must see the same legs.
    IF array_lower(p_accounts, 1) <> 1 OR array_lower(p_amounts, 1) <> 1 OR array_lower(p_currencies, 1) <> 1 THEN
        RAISE EXCEPTION 'ledger_post needs its arrays numbered from 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- What the entry check at commit would refuse, refused here, before the key is claimed.
    IF array_position(p_amounts, 0) IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', HINT = 'invalid_amount', MESSAGE = 'a leg cannot be zero';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_amounts, p_currencies) AS l(amount, currency)
                GROUP BY l.currency HAVING sum(l.amount) <> 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', HINT = 'unbalanced',
            MESSAGE = 'the legs do not sum to zero in every currency';
    END IF;
    INSERT INTO ledger_entry (idempotency_key, kind, description, metadata, fingerprint, reverses_id, created_at)
    VALUES (p_key, p_kind, p_description, p_metadata, p_fingerprint, p_reverses, clock_timestamp())
    ON CONFLICT DO NOTHING
    RETURNING id INTO out_entry_id;
    IF out_entry_id IS NULL THEN
        -- The key is taken (a replay returns the first entry whatever happened since) or the
        -- reversed entry already has its reversal.
        SELECT e.id, e.fingerprint INTO v_row FROM ledger_entry e WHERE e.idempotency_key = p_key;
        IF FOUND AND v_row.fingerprint = p_fingerprint THEN
            out_entry_id := v_row.id; out_outcome := 'replayed';
        ELSIF FOUND THEN
            out_outcome := 'idempotency_conflict';
            out_detail := format('idempotency key %L was used for a different request', p_key);
        ELSIF p_reverses IS NOT NULL
              AND EXISTS (SELECT 1 FROM ledger_entry e WHERE e.reverses_id = p_reverses) THEN
            out_outcome := 'already_reversed';
            out_detail := format('entry %s was already reversed', p_reverses);
        ELSE
            -- Neither the key nor a reversal: some other unique rule (an id sequence left behind
            -- by a restore, say). Never disguise it as a refusal.
            RAISE EXCEPTION 'entry % could not be written: a unique constraint other than the key refused it', p_key
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN;
    END IF;

    SELECT array_agg(DISTINCT x ORDER BY x) INTO v_ids FROM unnest(p_accounts) AS x;
    v_queue := v_queue AND cardinality(v_ids) <= 16;
    v_after := array_fill(NULL::numeric, ARRAY[cardinality(v_ids)]);
    v_sign := array_fill(NULL::int, ARRAY[cardinality(v_ids)]);
    FOR j IN 1..cardinality(v_ids) LOOP
        v_net := 0;
        v_currency := NULL;
        FOR i IN 1..v_n LOOP
            IF p_accounts[i] = v_ids[j] THEN
                v_net := v_net + p_amounts[i];
                -- legs in two currencies on one account match no account's currency
                v_currency := CASE WHEN v_currency IS NULL OR v_currency = p_currencies[i] THEN p_currencies[i] ELSE '' END;
            END IF;
        END LOOP;
        IF v_queue THEN
            PERFORM pg_advisory_xact_lock(v_ids[j]);
        END IF;
        UPDATE ledger_ledgeraccount a
           SET balance_minor = (a.balance_minor + CASE WHEN a.normal_side = 'credit' THEN -v_net ELSE v_net END)::bigint
         WHERE a.id = v_ids[j] AND a.currency = v_currency
           AND (a.status = 'open' OR (a.status = 'credit_only' AND v_net <= 0))
           AND abs(a.balance_minor + CASE WHEN a.normal_side = 'credit' THEN -v_net ELSE v_net END)
               <= 9223372036854775807
           AND (CASE WHEN a.normal_side = 'credit' THEN -v_net ELSE v_net END >= 0 OR a.allow_negative
                OR a.balance_minor + CASE WHEN a.normal_side = 'credit' THEN -v_net ELSE v_net END - a.held_minor
                   >= -a.overdraft_limit_minor)
        RETURNING a.balance_minor, CASE WHEN a.normal_side = 'credit' THEN -1 ELSE 1 END
             INTO v_balance, v_one_sign;
        IF NOT FOUND THEN
            -- Refused, or committed over between the update's look and now: lock and read the row
            -- (it is next in id order anyway) and name the rule it breaks, in the ORM path's order.
            SELECT a.currency, a.status, a.normal_side, a.allow_negative, a.overdraft_limit_minor,
                   a.balance_minor, a.held_minor
              INTO v_row
              FROM ledger_ledgeraccount a
             WHERE a.id = v_ids[j]
               FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                v_refusal := 'unknown_account';
            ELSIF v_row.currency IS DISTINCT FROM v_currency THEN
                v_refusal := 'currency_mismatch'; out_detail := format('account %s holds %s', v_ids[j], v_row.currency);
            ELSIF v_row.status = 'closed' THEN
                v_refusal := 'account_closed'; out_detail := format('account %s is closed', v_ids[j]);
            ELSIF v_row.status = 'frozen' THEN
                v_refusal := 'account_frozen'; out_detail := format('account %s is frozen', v_ids[j]);
            ELSIF v_row.status = 'credit_only' AND v_net > 0 THEN
                v_refusal := 'account_credit_only'; out_detail := format('account %s takes credits only', v_ids[j]);
            ELSE
                v_delta := CASE WHEN v_row.normal_side = 'credit' THEN -v_net ELSE v_net END;
                IF abs(v_row.balance_minor + v_delta) > 9223372036854775807 THEN
                    v_refusal := 'amount_out_of_range';
                    out_detail := format('the balance of account %s would leave the 64-bit range', v_ids[j]);
                ELSIF v_delta < 0 AND NOT v_row.allow_negative
                      AND v_row.balance_minor + v_delta - v_row.held_minor < -v_row.overdraft_limit_minor THEN
                    v_refusal := 'insufficient_funds';
                    out_detail := format('account %s has not enough available funds', v_ids[j]);
                END IF;
            END IF;
            IF v_refusal IS NOT NULL THEN
                -- An unknown account anywhere in the entry is the reason given, as in the ORM path.
                SELECT min(x) INTO v_missing
                  FROM unnest(p_accounts) AS x
                 WHERE NOT EXISTS (SELECT 1 FROM ledger_ledgeraccount a WHERE a.id = x);
                IF v_missing IS NOT NULL THEN
                    v_refusal := 'unknown_account'; out_detail := format('no ledger account %s', v_missing);
                END IF;
                RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = out_detail, HINT = v_refusal;
            END IF;
            -- The rules hold on the row we now lock (a concurrent commit changed it in between).
            UPDATE ledger_ledgeraccount a
               SET balance_minor = (a.balance_minor + v_delta)::bigint
             WHERE a.id = v_ids[j]
            RETURNING a.balance_minor, CASE WHEN a.normal_side = 'credit' THEN -1 ELSE 1 END
                 INTO v_balance, v_one_sign;
        END IF;
        v_after[j] := v_balance;
        v_sign[j] := v_one_sign;
    END LOOP;

    -- Each leg's balance after: its account's final balance less the legs after it on that account.
    v_leg_after := array_fill(NULL::bigint, ARRAY[v_n]);
    FOR i IN REVERSE v_n..1 LOOP
        j := array_position(v_ids, p_accounts[i]);
        IF abs(v_after[j]) > 9223372036854775807 THEN
            -- legs on one account that cancel out may pass the 64-bit range between them
            RAISE EXCEPTION USING ERRCODE = 'LG001', HINT = 'amount_out_of_range',
                MESSAGE = format('the balance of account %s would leave the 64-bit range', p_accounts[i]);
        END IF;
        v_leg_after[i] := v_after[j];
        v_after[j] := v_after[j] - v_sign[j] * p_amounts[i];
    END LOOP;
    -- Taken with the accounts locked, so per account the postings' times follow their order.
    v_now := clock_timestamp();
    INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
    SELECT out_entry_id, l.account, l.amount, l.currency, l.after, v_now
      FROM unnest(p_accounts, p_amounts, p_currencies, v_leg_after) WITH ORDINALITY AS l(account, amount, currency, after, ord)
     ORDER BY l.ord;  -- posting ids in leg order: per account, id order is balance order
    out_outcome := 'posted';
END
$$;

-- The function runs as this role: the mark the two integrity triggers skip.
ALTER FUNCTION ledger_post(text, text, text, jsonb, text, bigint, bigint[], bigint[], text[])
    OWNER TO bankcore_ledger_post;
-- It writes with its owner's rights, so calling it is a right of its own: not every role that
-- may connect (a read-only one, say) may post. The role that migrates is the one the
-- application connects as here; any other writer is granted it by hand.
REVOKE EXECUTE ON FUNCTION ledger_post(text, text, text, jsonb, text, bigint, bigint[], bigint[], text[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_post(text, text, text, jsonb, text, bigint, bigint[], bigint[], text[])
    TO CURRENT_USER;
