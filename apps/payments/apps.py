from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "apps.payments"
    label = "payments"

    def ready(self) -> None:
        from apps.fraud import interface as fraud
        from apps.payments import clearing_tasks, demo, metrics, views, webhook_events  # noqa: F401  (clearing_tasks: see below)
        from apps.payments.services import reviews, transitions
        from bankcore import demo as demo_registry
        from bankcore import notifications
        from bankcore.events import subscribe
        from bankcore.observability import metrics as observability
        from bankcore.portal import panels

        # clearing_tasks is imported above so its tasks are registered in every process, not only the
        # worker's: services send them by name (instant_dispatch).
        notifications.register_kind(transitions.NOTIFY_KIND, label="Payments")
        # The fraud case is the only authority that releases or rejects a held payment.
        subscribe(fraud.CASE_RELEASED, reviews.on_case_released)
        subscribe(fraud.CASE_REJECTED, reviews.on_case_rejected)
        subscribe(fraud.ALERT_OPENED, reviews.on_alert_opened)
        panels.register(
            "payments", title="Recent payments", empty="No payments yet.", order=30, render=views.dashboard_panel
        )
        demo_registry.register("payments", demo.seed, order=50)
        webhook_events.register()
        observability.add_source(metrics.gauges)
