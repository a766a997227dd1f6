"""The admin app, configured to use the back-office site."""

from django.contrib.admin.apps import AdminConfig


class BankAdminConfig(AdminConfig):
    """The Django admin, served by a site that demands a verified second factor from staff."""

    default_site = "bankcore.users.admin_site.BankAdminSite"
