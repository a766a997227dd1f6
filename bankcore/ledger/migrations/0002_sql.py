"""PostgreSQL: the ledger's functions and triggers, from the frozen copies in sql/0002/.

What each one does and why is written in its file (the live copy is bankcore/ledger/sql/).
Functions come before the triggers that call them.
"""

from django.db import migrations

from bankcore.ledger.migrations._sql import drop_functions, install

FUNCTIONS = [
    "ledger_refuse_change",
    "ledger_guard_postings",
    "ledger_check_entry_complete",
    "ledger_keep_posted_account",
    "ledger_post",
    "ledger_post_batch",
]
TRIGGERS = [
    "ledger_entry_immutable",
    "ledger_posting_immutable",
    "ledger_entry_checked",
    "ledger_postings_guard",
    "ledger_account_kept",
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(install("0002", FUNCTIONS + TRIGGERS), drop_functions(FUNCTIONS), elidable=False),
    ]
