from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import tasks
        from apps.kyc import interface as kyc
        from bankcore.events import subscribe

        subscribe(kyc.CASE_APPROVED, tasks.on_kyc_case_approved)
