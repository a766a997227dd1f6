from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "bankcore.ledger"
    label = "ledger"
    verbose_name = "Ledger"
