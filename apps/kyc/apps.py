from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "apps.kyc"
    label = "kyc"
    verbose_name = "KYC"

    def ready(self) -> None:
        from apps.kyc import demo, services
        from bankcore import demo as demo_registry
        from bankcore import notifications

        notifications.register_kind(services.NOTIFY_KIND, label="Verification and limits")
        demo_registry.register("kyc", demo.seed, order=20)
