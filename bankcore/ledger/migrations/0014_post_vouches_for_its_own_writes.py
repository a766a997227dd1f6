"""PostgreSQL: ``ledger_post`` checks its own entry, and the triggers judge every other writer.

Everything the postings guard and the deferred entry check judge, ``ledger_post`` has already
proven by the time it writes: each account it posts to was just moved by its own guarded
``UPDATE`` (the row exists, is locked by this transaction and holds the leg's currency; the
function now refuses arrays not numbered from 1, so the legs it checks by subscript are the
legs it writes by ``unnest``), the
entry is the one it has just created (so it had no earlier postings), and now the function also
refuses legs that do not sum to zero per currency, or a zero leg, before it claims the key.
Running the triggers on top cost a hot account about a third of its throughput: they run while
the account stays locked, the guard at the end of the postings' INSERT and the entry check at
commit (pgbench driving ``ledger_post`` on one hot account, 8 clients: 1,390 calls a second with
both, 1,740 without the guard, 1,920 without either).

So ``ledger_post`` names the entry it vouches for in a transaction-local setting,
``bankcore.ledger_post`` (its idempotency key), from just before its writes to just after them,
and the two triggers skip what it vouches for: the deferred entry check skips that one entry,
the postings guard skips INSERTs made while the setting is on. A refusal raised in between rolls
the setting back with the rest. Any other writer (raw SQL, the ORM, ``ledger_post_batch``) is
judged as before, in the same transaction too, since the setting is off again once the function
returns. The setting is a marker, not a secret: a session that sets it by hand skips the checks
for its own inserts, as a table owner can by disabling the triggers; the checks are there to
catch writers that go around the ledger by mistake.
"""

from importlib import import_module

from django.db import migrations

EARLIER = import_module("bankcore.ledger.migrations.0011_post_entry_first_checks_per_entry").FORWARDS

MARK = "PERFORM set_config('bankcore.ledger_post', p_key, true);"
UNMARK = "PERFORM set_config('bankcore.ledger_post', '', true);"

# (old, new) pairs applied to 0011's ledger_post, each exactly once (a migration's text never
# changes, so a mismatch means this file was edited against another text).
CHANGES = [
    (
        "    INSERT INTO ledger_entry (idempotency_key,",
        f"""    -- Legs are read both by subscript and by unnest: both must see the same legs.
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
    -- This call vouches for the entry it writes (see migration 0014): the triggers skip it.
    {MARK}
    INSERT INTO ledger_entry (idempotency_key,""",
    ),
    (
        "        RETURN;\n    END IF;\n",
        f"        {UNMARK}\n        RETURN;\n    END IF;\n",
    ),
    (
        "     ORDER BY l.ord;  -- posting ids in leg order: per account, id order is balance order\n",
        "     ORDER BY l.ord;  -- posting ids in leg order: per account, id order is balance order\n"
        f"    {UNMARK}\n",
    ),
]

# Entries before postings: the order every writer locks the two tables in, so a deploy under
# traffic queues behind posts instead of deadlocking with one.
TRIGGERS = r"""
DROP TRIGGER ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (NEW.idempotency_key IS DISTINCT FROM nullif(current_setting('bankcore.ledger_post', true), ''))
    EXECUTE FUNCTION ledger_check_entry_complete();

DROP TRIGGER ledger_postings_guard ON ledger_posting;
CREATE TRIGGER ledger_postings_guard AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT
    WHEN (nullif(current_setting('bankcore.ledger_post', true), '') IS NULL)
    EXECUTE FUNCTION ledger_guard_postings();
"""

TRIGGERS_BEFORE = r"""
DROP TRIGGER ledger_entry_checked ON ledger_entry;
CREATE CONSTRAINT TRIGGER ledger_entry_checked AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_complete();

DROP TRIGGER ledger_postings_guard ON ledger_posting;
CREATE TRIGGER ledger_postings_guard AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_guard_postings();
"""


def _earlier_post_function() -> str:
    start = EARLIER.index("CREATE OR REPLACE FUNCTION ledger_post(")
    end = EARLIER.index("\n$$;\n", start) + len("\n$$;\n")
    return EARLIER[start:end]


def apply_changes(text: str, changes: list[tuple[str, str]], source: str) -> str:
    """``text`` with each (old, new) replaced, each old found exactly once (0016 uses it too)."""
    for old, new in changes:
        if text.count(old) != 1:
            raise RuntimeError(f"{source}'s ledger_post is not the text this migration was written against")
        text = text.replace(old, new)
    return text


def _post_function() -> str:
    return apply_changes(_earlier_post_function(), CHANGES, "0011")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_post_function() + TRIGGERS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_earlier_post_function() + TRIGGERS_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0013_batch_function_plans_and_arrays")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
