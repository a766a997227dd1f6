from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import tasks, views
        from apps.accounts.services import notices, statuses
        from apps.kyc import interface as kyc
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe
        from bankcore.portal import panels

        notices.register_kinds()
        panels.register(
            "accounts", title="Accounts", empty="You have no accounts yet.", order=10, render=views.dashboard_panel
        )
        subscribe(kyc.CASE_APPROVED, tasks.on_kyc_case_approved)
        approvals.register_action(statuses.CLOSE_ACTION, statuses.account_close_approved)
        approvals.register_action(statuses.OVERDRAFT_ACTION, statuses.account_overdraft_approved)
