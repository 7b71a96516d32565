from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users import apps as wagtail_users_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default = True

    def ready(self):
        from wagtail.admin.views.account import NameEmailSettingsPanel

        from accounts.forms import AdminNameForm
        from accounts.permissions import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts_sync_roles")
        # Wagtail's account settings hard-code first and last names (wagtail#7410);
        # without this its whole settings page fails to validate for Sala's users.
        NameEmailSettingsPanel.form_class = AdminNameForm


class WagtailUsersConfig(wagtail_users_apps.WagtailUsersAppConfig):
    """Installed in place of ``wagtail.users`` so its user screens use Sala's forms."""

    default = False
    user_viewset = "accounts.viewsets.UserViewSet"
