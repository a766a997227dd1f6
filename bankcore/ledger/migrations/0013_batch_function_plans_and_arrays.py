"""PostgreSQL: ``ledger_post_batch`` plans each call afresh and joins its arrays by position.

PL/pgSQL caches each statement's plan and, from the sixth call of a session on, may switch to a
generic plan made without looking at the parameters. For the batch's statement that writes a
thousand entries and two thousand postings the generic plan took twice as long (about 58 ms
against 29 ms per batch of 1,000, timed inside the function with ``clock_timestamp()``), so a
long-lived worker slowed down after its fifth batch: the function now runs with
``plan_cache_mode = force_custom_plan`` (planning afresh costs well under a millisecond a call).
``ledger_post`` keeps the cache: its statements are small and the generic plan is the faster one
there (pgbench driving it: about 5,000 against 4,000 calls a second).

The postings now take each transfer's fields from its arrays joined by position instead of a
subscript per row (about 3 ms less per batch). Same signature, same results as 0006.
"""

from importlib import import_module

from django.db import migrations

# 0006's function with two changes, applied to its text (a migration's text never changes).
EARLIER = import_module("bankcore.ledger.migrations.0006_post_batch_function").BATCH_FUNCTION

OLD_WRITTEN = r"""    ), written AS (
        INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
        SELECT n.id, leg.account, leg.amount, p_currencies[n.ord], leg.after, v_now
          FROM numbered n
         CROSS JOIN LATERAL (VALUES (1, p_from[n.ord], p_amounts[n.ord], v_from_after[n.ord]),
                                    (2, p_to[n.ord], -p_amounts[n.ord], v_to_after[n.ord]))
               AS leg(side, account, amount, after)
         ORDER BY n.ord, leg.side
        RETURNING 1
    )
"""

NEW_WRITTEN = r"""    ), written AS (
        -- The transfers' arrays joined by position, not subscripted per row: a subscript of a
        -- text array walks it from the start, so a thousand of them cost milliseconds.
        INSERT INTO ledger_posting (entry_id, account_id, amount_minor, currency, balance_after_minor, created_at)
        SELECT n.id, leg.account, leg.amount, t.currency, leg.after, v_now
          FROM numbered n
          JOIN unnest(p_from, p_to, p_amounts, p_currencies, v_from_after, v_to_after) WITH ORDINALITY
               AS t(from_id, to_id, amount, currency, from_after, to_after, ord) ON t.ord = n.ord
         CROSS JOIN LATERAL (VALUES (1, t.from_id, t.amount, t.from_after),
                                    (2, t.to_id, -t.amount, t.to_after))
               AS leg(side, account, amount, after)
         ORDER BY n.ord, leg.side
        RETURNING 1
    )
"""


def _batch_function() -> str:
    if EARLIER.count(OLD_WRITTEN) != 1 or EARLIER.count(") LANGUAGE plpgsql AS $$") != 1:
        raise RuntimeError("0006's ledger_post_batch is not the text 0013 was written against")
    return EARLIER.replace(OLD_WRITTEN, NEW_WRITTEN).replace(
        ") LANGUAGE plpgsql AS $$", ") LANGUAGE plpgsql\nSET plan_cache_mode = force_custom_plan\nAS $$"
    )


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(_batch_function())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(EARLIER)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0012_leaner_entry_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
