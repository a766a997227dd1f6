from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bankcore.api"
    label = "api"
    verbose_name = "Partner API plumbing"

    def ready(self) -> None:
        from bankcore.api import webhook_catalogue

        webhook_catalogue.register()
