from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "apps.kyc"
    label = "kyc"
    verbose_name = "KYC"

    def ready(self) -> None:
        from apps.fraud import interface as fraud
        from apps.kyc import demo, services, tasks  # noqa: F401  # tasks: registered for services.SCREEN_TASK
        from bankcore import demo as demo_registry
        from bankcore import notifications
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe

        notifications.register_kind(services.NOTIFY_KIND, label="Verification and limits")
        demo_registry.register("kyc", demo.seed, order=20)
        approvals.register_action(services.APPROVE_ACTION, services.case_approve_approved)
        subscribe(fraud.ALERT_OPENED, services.on_fraud_alert_opened)
        # --- kycdocs: a case is submitted only with its documents; their files rotate with the keys;
        # the dashboard shows where the verification stands.
        from apps.kyc import documents, panel

        services.submit_check_register("documents", documents.submit_check)
        services.encryption_rotation_register("documents", documents.documents_encryption_rotate)
        panel.register()
