from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "bankcore.notifications"
    label = "notifications"
    verbose_name = "Customer notifications"
