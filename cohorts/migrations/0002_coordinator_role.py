"""Create the Coordinator role: people who follow an institution's required training.

Coordinators see dashboards and exports of their institution's cohorts; like
trainers they must use two-factor login (accounts.roles.MFA_REQUIRED).
"""

from django.db import migrations

COORDINATOR_PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "view_institution"),
]


def create_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Coordinator")
    for app_label, codename in COORDINATOR_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            group.permissions.add(permission)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Coordinator").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0001_initial"),
        ("accounts", "0002_roles_and_institutions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
