from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts.permissions import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts_sync_roles")
