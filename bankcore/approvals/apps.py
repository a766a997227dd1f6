from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "bankcore.approvals"
    label = "approvals"
    verbose_name = "Approvals (maker-checker)"
