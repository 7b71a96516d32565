from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Editors organise competitions; Administrators hold every permission already.
EDITOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("contest", "registration")
    for action in ("add", "change", "view", "delete")
] + ["view_sitting", "view_auditevent"]


def grant_editor_permissions(sender, **kwargs):
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from accounts import roles

    # django.contrib.auth creates permissions in its own post_migrate receiver,
    # which may run after this one.
    create_permissions(sender, verbosity=0, using=kwargs.get("using", "default"))
    editor = Group.objects.filter(name=roles.EDITOR).first()
    if editor is None:
        return
    editor.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="competitions", codename__in=EDITOR_PERMISSIONS
        )
    )


class CompetitionsConfig(AppConfig):
    name = "competitions"
    verbose_name = _("Competitions")

    def ready(self):
        post_migrate.connect(
            grant_editor_permissions,
            sender=self,
            dispatch_uid="competitions_editor_permissions",
        )
