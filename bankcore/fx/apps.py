from django.apps import AppConfig


class FxConfig(AppConfig):
    name = "bankcore.fx"
    label = "fx"
    verbose_name = "Reference exchange rates"

    def ready(self) -> None:
        from bankcore import demo as demo_registry
        from bankcore.fx import demo

        # Before the apps' seeders: their demo payments are counted in EUR at these rates.
        demo_registry.register("fx", demo.seed, order=5)
