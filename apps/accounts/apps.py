from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import tasks
        from apps.accounts.services import notices, statuses
        from apps.kyc import interface as kyc
        from bankcore.approvals import registry as approvals
        from bankcore.events import subscribe

        notices.register_kinds()
        subscribe(kyc.CASE_APPROVED, tasks.on_kyc_case_approved)
        approvals.register_action(statuses.CLOSE_ACTION, statuses.account_close_approved)
        approvals.register_action(statuses.OVERDRAFT_ACTION, statuses.account_overdraft_approved)
        # statements, interest and fees: their notification kind (and their tasks, for the worker)
        from apps.accounts.statements import tasks as statement_tasks

        statement_tasks.ready()
