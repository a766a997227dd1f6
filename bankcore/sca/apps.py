from django.apps import AppConfig


class ScaConfig(AppConfig):
    name = "bankcore.sca"
    label = "sca"
    verbose_name = "Strong customer authentication"
