from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "bankcore.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from bankcore.ledger import metrics as ledger_metrics
        from bankcore.observability import metrics

        metrics.add_source(ledger_metrics.gauges)
