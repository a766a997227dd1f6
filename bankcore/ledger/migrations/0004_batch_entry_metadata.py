"""Batch postings keep entry metadata, as a single posting does (a bulk payout's reference and end-to-end id).

``ledger_post_batch`` takes one more argument, so its signature changes: the old function is
dropped first (CREATE OR REPLACE would leave it beside the new one, and a call with the old
arguments would still find it). Going back drops the new one and installs the copy of 0003.
"""

from django.db import migrations

from bankcore.ledger.migrations._sql import install

OLD = "ledger_post_batch(text[], bigint[], bigint[], bigint[], text[], text[], text[])"
NEW = "ledger_post_batch(text[], bigint[], bigint[], bigint[], text[], text[], text[], text[])"


def _drop(signature: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {signature}")

    return run


def _then(*operations):
    def run(apps, schema_editor):
        for operation in operations:
            operation(apps, schema_editor)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_credit_only'),
    ]

    operations = [
        migrations.RunPython(
            _then(_drop(OLD), install("0004", ["ledger_post_batch"])),
            _then(_drop(NEW), install("0003", ["ledger_post_batch"])),
            elidable=False,
        ),
    ]
