from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "apps.fraud"
    label = "fraud"
    verbose_name = "Fraud and AML"

    def ready(self) -> None:
        from apps.fraud import demo, events, metrics, tasks
        from apps.fraud.services import rules
        from bankcore import demo as demo_registry
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe
        from bankcore.observability import metrics as observability

        demo_registry.register("fraud", demo.seed, order=60)
        approvals.register_action(rules.ACTIVATE_ACTION, rules.rule_version_activate_approved)
        subscribe(events.SANCTIONS_LIST_UPDATED, tasks.on_list_updated)
        observability.add_source(metrics.gauges)
