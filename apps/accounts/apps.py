from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import demo, directory, tasks, views, webhook_events
        from apps.accounts.services import notices, statuses
        from apps.kyc import interface as kyc
        from bankcore import demo as demo_registry
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe
        from bankcore.portal import panels

        notices.register_kinds()
        directory.register()  # the consents' view of accounts (bankcore.api.directory)
        webhook_events.register()
        demo_registry.register("accounts", demo.seed, order=30)  # after kyc (20): approved customers, acme
        panels.register(
            "accounts", title="Accounts", empty="You have no accounts yet.", order=10, render=views.dashboard_panel
        )
        subscribe(kyc.CASE_APPROVED, tasks.on_kyc_case_approved)
        approvals.register_action(statuses.CLOSE_ACTION, statuses.account_close_approved)
        approvals.register_action(statuses.OVERDRAFT_ACTION, statuses.account_overdraft_approved)
        # statements, interest and fees: their notification kind (and their tasks, for the worker)
        from apps.accounts.statements import tasks as statement_tasks

        statement_tasks.ready()
