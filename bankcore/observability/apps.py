from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "bankcore.observability"
    label = "observability"
    verbose_name = "Health, metrics and logs"

    def ready(self) -> None:
        from bankcore.observability import logging as bank_logging
        from bankcore.observability import metrics

        bank_logging.configure()
        metrics.register_business_collector()
