from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bankcore.api"
    label = "api"
    verbose_name = "Partner API plumbing"

    def ready(self) -> None:
        from bankcore.api import webhook_catalogue, webhooks
        from bankcore.events.registry import after_relay_register

        webhook_catalogue.register()
        # DESIGN.md §4: `relay_outbox` also sends the webhook deliveries that are due.
        after_relay_register("webhook deliveries sent", lambda now: webhooks.webhook_deliveries_send(now=now))
