"""PostgreSQL: a post holds its accounts for less, and the books are checked per entry at commit.

``ledger_post`` claims its idempotency key first, before any account is locked: the entry row and
its key's index entry are written while a contended account is still free, and a replay of a
committed entry never touches an account. Then each account is moved by one ``UPDATE`` in
ascending id order (the update takes the row lock, so that order is the lock order and two posts
cannot deadlock) whose ``WHERE`` carries the account's rules: open, same currency, inside the
64-bit range, enough available funds. Only when that update finds nothing does the function lock
and read the row to name the refusal, then raise it (SQLSTATE ``LG001``, the code in the hint,
the message as the text), which undoes the claimed key with everything else. Postings follow in
one INSERT. Costs of this shape: a refusal leaves a dead entry row and an ERROR line in the
server log; the entry's ``created_at`` is taken before its postings' (theirs, taken with the
accounts locked, are what balance-as-of reads); inside a caller's transaction the call runs in a
savepoint so a refusal leaves that transaction usable. A single post and a batch sent the same
key at the same moment can deadlock (the batch locks accounts before keys); PostgreSQL breaks it
after ``deadlock_timeout`` and the retry replays. Deploy the Python of this change with or before
this migration: older code reads refusals from the result row and would not recognise LG001.

Integrity, the same guarantee at a lower price (0009's transfer check and 0007's guard, with
their grouped queries, cost about a third of a post's throughput; a join to the accounts per
entry and the foreign-key checks at commit were a quarter of a batch's time):

- ``ledger_postings_guard`` (per INSERT statement on postings, set-based): every posting names an
  existing account, locked ``FOR KEY SHARE`` as a foreign key would lock it, and is in that
  account's currency; every entry named exists, and postings it had from an earlier statement
  did not balance yet. An entry's postings may arrive over several statements until it
  balances; once it does (committed long ago, or checked early with ``SET CONSTRAINTS …
  IMMEDIATE``) it takes no more.
- ``ledger_entry_checked`` (deferred, per entry of every kind): at commit the entry has postings
  summing to zero per currency (one index range of its own postings, no join).
- ``ledger_account_kept``: an account with postings can be neither deleted nor renumbered, nor
  change its currency; those changes need READ COMMITTED, where the look for postings sees a
  concurrent writer's commit.
- 0012 drops the posting's two foreign keys (four checks per transfer at commit), which the guard
  and these triggers replace; entries can be neither updated nor deleted (0003), and
  ``reconcile`` names any posting whose entry or account is missing (after a ``TRUNCATE …
  CASCADE`` by the tables' owner, which no longer reaches the postings; a TRUNCATE trigger would
  also refuse the test suite's flush, which truncates every table in one statement).
"""

from django.db import migrations

FORWARDS = r"""
CREATE OR REPLACE FUNCTION ledger_post(
    p_key text, p_kind text, p_description text, p_metadata jsonb, p_fingerprint text,
    p_reverses bigint, p_accounts bigint[], p_amounts bigint[], p_currencies text[],
    OUT out_entry_id bigint, OUT out_outcome text, OUT out_detail text
) LANGUAGE plpgsql AS $$
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
        UPDATE ledger_ledgeraccount a
           SET balance_minor = (a.balance_minor + CASE WHEN a.normal_side = 'credit' THEN -v_net ELSE v_net END)::bigint
         WHERE a.id = v_ids[j] AND a.status = 'open' AND a.currency = v_currency
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

CREATE OR REPLACE FUNCTION ledger_guard_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
BEGIN
    -- The accounts named are locked against deletion until commit, FOR KEY SHARE as a foreign key
    -- would lock them; all in one statement. Rows this transaction has just moved (the ledger's
    -- own posts) are locked by that update already and are skipped.
    PERFORM 1
       FROM ledger_ledgeraccount a
      WHERE a.id IN (SELECT n.account_id FROM new_postings n) AND a.xmin <> pg_current_xact_id()::xid
        FOR KEY SHARE;

    -- Per posting (index probes, LATERAL, as 0008 found): its account exists and holds its currency.
    SELECT n.id AS posting_id, n.entry_id, n.account_id, n.currency, a.currency AS account_currency INTO v_bad
      FROM new_postings n
      LEFT JOIN LATERAL (SELECT la.currency FROM ledger_ledgeraccount la WHERE la.id = n.account_id) AS a ON true
     WHERE a.currency IS DISTINCT FROM n.currency
     ORDER BY n.id
     LIMIT 1;
    IF FOUND AND v_bad.account_currency IS NULL THEN
        RAISE EXCEPTION 'a posting names ledger account %, which does not exist', v_bad.account_id
            USING ERRCODE = 'foreign_key_violation';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'entry %: posting % is in % but account % holds %',
            v_bad.entry_id, v_bad.posting_id, v_bad.currency, v_bad.account_id, v_bad.account_currency
            USING ERRCODE = 'check_violation';
    END IF;

    -- Per entry: it exists, and postings from an earlier statement, if any, did not balance yet
    -- (an entry's postings may arrive over several statements until it balances; once it does,
    -- whether committed long ago or checked early with SET CONSTRAINTS, it takes no more).
    SELECT x.entry_id, e.found IS NULL AS missing INTO v_bad
      FROM (SELECT n.entry_id, count(*) AS rows FROM new_postings n GROUP BY n.entry_id) AS x
      LEFT JOIN LATERAL (SELECT true AS found FROM ledger_entry le WHERE le.id = x.entry_id LIMIT 1) AS e ON true
     CROSS JOIN LATERAL (SELECT count(*) AS rows FROM ledger_posting p WHERE p.entry_id = x.entry_id) AS c
     WHERE e.found IS NULL
        OR CASE WHEN c.rows > x.rows THEN NOT EXISTS (
               SELECT 1
                 FROM ledger_posting p
                 LEFT JOIN (SELECT n.currency, sum(n.amount_minor) AS total
                              FROM new_postings n
                             WHERE n.entry_id = x.entry_id
                             GROUP BY n.currency) AS f ON f.currency = p.currency
                WHERE p.entry_id = x.entry_id
                GROUP BY p.currency
               HAVING sum(p.amount_minor) - COALESCE(max(f.total), 0) <> 0)
           ELSE false END
     ORDER BY x.entry_id
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_bad.missing THEN
        RAISE EXCEPTION 'a posting names entry %, which does not exist', v_bad.entry_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RAISE EXCEPTION 'entry % already balances: with another posting it does not balance; post a new entry instead',
        v_bad.entry_id USING ERRCODE = 'check_violation';
END
$$;

-- At commit, per entry: it has postings and they sum to zero per currency (their currencies and
-- accounts were judged by the guard as they arrived). One index range, no join.
CREATE OR REPLACE FUNCTION ledger_check_entry_complete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v record;
BEGIN
    SELECT count(*) AS n, sum(p.amount_minor) AS total, min(p.currency) AS low, max(p.currency) AS high INTO v
      FROM ledger_posting p
     WHERE p.entry_id = NEW.id;
    IF v.n = 0 THEN
        RAISE EXCEPTION 'entry % has no postings', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF v.low = v.high AND v.total = 0 THEN
        RETURN NULL;
    END IF;
    SELECT p.currency, sum(p.amount_minor) AS total INTO v
      FROM ledger_posting p
     WHERE p.entry_id = NEW.id
     GROUP BY p.currency
    HAVING sum(p.amount_minor) <> 0
     ORDER BY p.currency
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % does not balance: its % postings sum to %', NEW.id, v.currency, v.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

-- What the posting-to-account foreign key refused (dropped in 0012): deleting an account that
-- has postings or changing its id; and, since its postings' currency was judged against it,
-- changing its currency. The guard's FOR KEY SHARE makes a delete wait for a concurrent
-- transaction's postings; the look for them must then see that commit, which a snapshot taken
-- earlier (REPEATABLE READ, SERIALIZABLE) would not, so those levels are refused here.
CREATE OR REPLACE FUNCTION ledger_keep_posted_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.currency = OLD.currency THEN
        RETURN NEW;
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'ledger account %: deleting it or changing its id or currency needs READ COMMITTED', OLD.id
            USING ERRCODE = 'serialization_failure';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_posting p WHERE p.account_id = OLD.id) THEN
        RAISE EXCEPTION 'ledger account % has postings: it can be closed, but not deleted nor given another id or currency', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

DROP TRIGGER IF EXISTS ledger_account_kept ON ledger_ledgeraccount;
CREATE TRIGGER ledger_account_kept BEFORE DELETE OR UPDATE OF id, currency ON ledger_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_posted_account();

DROP TRIGGER IF EXISTS ledger_transfers_checked ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_check_new_transfers();
DROP TRIGGER IF EXISTS ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_complete();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARDS)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_transfers_checked_per_statement")]

    # No way back: 0009's per-statement transfer check expects entry and postings in one
    # statement, which this ledger_post no longer writes.
    operations = [migrations.RunPython(forwards, elidable=False)]
