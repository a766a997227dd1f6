import sys

from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "bankcore.observability"
    label = "observability"
    verbose_name = "Health, metrics and logs"

    def ready(self) -> None:
        from bankcore.http import proxy_settings_problem
        from bankcore.observability import logging as bank_logging
        from bankcore.observability import metrics

        problem = proxy_settings_problem()
        if problem:
            # At every start (web, worker, commands), in the one-line form of config.settings.env.
            sys.stderr.write(f"bankcore: configuration error: SECURE_PROXY_SSL_HEADER: {problem}\n")
            raise SystemExit(2)
        bank_logging.configure()
        metrics.register_business_collector()
