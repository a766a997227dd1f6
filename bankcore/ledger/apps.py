from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


def _grant_app_role(sender: Any, **kwargs: Any) -> None:
    # post_migrate comes once per app after the whole migrate ran: answering the ledger's only grants once.
    if settings.DATABASE_APP_ROLE and sender.label == "ledger":
        from bankcore.ledger.app_role import app_role_grant

        app_role_grant(role=settings.DATABASE_APP_ROLE)


class LedgerConfig(AppConfig):
    name = "bankcore.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from bankcore.ledger import metrics as ledger_metrics
        from bankcore.observability import metrics

        metrics.add_source(ledger_metrics.gauges)
        post_migrate.connect(_grant_app_role, dispatch_uid="bankcore.ledger.app_role")
