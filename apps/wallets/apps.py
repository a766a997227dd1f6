from django.apps import AppConfig


class WalletsConfig(AppConfig):
    name = "apps.wallets"
    label = "wallets"
    verbose_name = "Wallets"

    def ready(self) -> None:
        from apps.fraud import interface as fraud
        from apps.payments import interface as payments
        from apps.wallets import demo, handlers, interface, metrics, panels, webhook_events
        from apps.wallets.services import recovery, topups
        from bankcore import demo as demo_registry
        from bankcore import events
        from bankcore.approvals import registry as approvals
        from bankcore.notifications import register_kind
        from bankcore.observability import metrics as observability

        register_kind("wallets.activity", label="Wallet activity")
        # Text messages: simulated, so they land in the inbox; never e-mailed (a code belongs to the phone).
        register_kind("wallets.sms", label="Text messages to your phone", email_default=False)
        events.subscribe(fraud.CASE_RELEASED, handlers.on_case_released)
        events.subscribe(fraud.CASE_REJECTED, handlers.on_case_rejected)
        for failed in (payments.PAYMENT_REJECTED, payments.PAYMENT_RETURNED, payments.PAYMENT_CANCELLED):
            events.subscribe(failed, handlers.on_payment_failed)
        approvals.register_action(topups.REFUND_ACTION, topups.refund_handler)
        approvals.register_action(recovery.WRITE_OFF_ACTION, recovery.write_off_handler)
        panels.register()
        webhook_events.register()
        observability.add_source(metrics.gauges)
        demo_registry.register("wallets", demo.seed, order=60)
        payments.sandbox_wallets_register(interface.sandbox_wallets_ensure)
