from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "bankcore.users"
    label = "users"
    verbose_name = "Users and access"

    def ready(self) -> None:
        from bankcore import demo
        from bankcore.users import demo as users_demo
        from bankcore.users import signals

        signals.connect()
        demo.register("users", users_demo.seed, order=10)
