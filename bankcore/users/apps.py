from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UsersConfig(AppConfig):
    name = "bankcore.users"
    label = "users"
    verbose_name = "Users and access"

    def ready(self) -> None:
        from bankcore import demo
        from bankcore.users import demo as users_demo
        from bankcore.users import signals

        signals.connect()
        # Roles are defined by app label: after every migrate, new models get their role's permissions.
        post_migrate.connect(signals.on_post_migrate, dispatch_uid="bankcore.users.roles_sync")
        demo.register("users", users_demo.seed, order=10)
