from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "apps.fraud"
    label = "fraud"
    verbose_name = "Fraud and AML"

    def ready(self) -> None:
        from apps.fraud import demo, events, services, tasks
        from bankcore import demo as demo_registry
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe

        demo_registry.register("fraud", demo.seed, order=60)
        approvals.register_action(services.ACTIVATE_ACTION, services.rule_version_activate_approved)
        subscribe(events.SANCTIONS_LIST_UPDATED, tasks.on_list_updated)
