"""PostgreSQL: ``ledger_post_batch`` plans its statements for each call's own arrays.

PL/pgSQL caches each statement's plan and, from the sixth call of a session on, may switch to a
generic plan made without looking at the parameters. For the batch's statement that writes a
thousand entries and two thousand postings the generic plan took twice as long (about 58 ms
against 29 ms per batch of 1,000, timed inside the function with ``clock_timestamp()``), so a
long-lived worker slowed down after its fifth batch. Planning afresh costs well under a
millisecond per call. ``ledger_post`` keeps the cache: its statements are small and the generic
plan is the faster one there (pgbench driving it: about 5,000 against 4,000 calls a second).
"""

from django.db import migrations

SIGNATURE = "ledger_post_batch(text[], bigint[], bigint[], bigint[], text[], text[], text[])"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"ALTER FUNCTION {SIGNATURE} SET plan_cache_mode = force_custom_plan")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"ALTER FUNCTION {SIGNATURE} RESET plan_cache_mode")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0012_leaner_entry_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
