"""The account number sequence (PostgreSQL) or counter row (elsewhere), and the bank's products.

The products are a starting catalogue that administrators edit afterwards (with history); the
first current account a KYC approval opens is ``current`` in EUR.
"""

from typing import Any

from django.db import migrations

from apps.accounts import defaults

FIRST_NUMBER = 1_000_000

def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS accounts_account_number_seq START {FIRST_NUMBER}")
    else:
        counter = apps.get_model("accounts", "AccountNumberCounter")
        if not counter.objects.exists():
            counter.objects.create(next_number=FIRST_NUMBER)
    defaults.ensure(
        apps.get_model("accounts", "Product"),
        apps.get_model("accounts", "ProductRate"),
        apps.get_model("accounts", "ProductRateTier"),
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP SEQUENCE IF EXISTS accounts_account_number_seq")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_products_and_accounts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
