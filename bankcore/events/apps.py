from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "bankcore.events"
    label = "events"
    verbose_name = "Domain events"
