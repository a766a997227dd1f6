from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bankcore.api"
    label = "api"
    verbose_name = "Partner API plumbing"
