"""Create the four roles with their permissions, and seed the institutions."""

import csv
from pathlib import Path

from django.db import migrations

ROLE_PERMISSIONS = {
    "Learner": [],
    "Trainer": [("accounts", "view_user"), ("accounts", "view_institution")],
    "Editor": [
        ("wagtailadmin", "access_admin"),
        ("competencies", "view_framework"),
        ("competencies", "add_area"),
        ("competencies", "change_area"),
        ("competencies", "view_area"),
        ("competencies", "add_competence"),
        ("competencies", "change_competence"),
        ("competencies", "view_competence"),
        ("competencies", "change_proficiencylevel"),
        ("competencies", "view_proficiencylevel"),
    ],
    "Administrator": "__all__",
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so roles get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        if perms == "__all__":
            group.permissions.set(Permission.objects.all())
            continue
        for app_label, codename in perms:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                group.permissions.add(permission)


def seed_institutions(apps, schema_editor):
    Institution = apps.get_model("accounts", "Institution")
    path = Path(__file__).resolve().parent.parent / "data" / "institutions.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Institution.objects.update_or_create(
                code=row["code"],
                defaults={
                    "kind": row["kind"],
                    "name_en": row["name_en"],
                    "name_km": row["name_km"],
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("competencies", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(seed_institutions, migrations.RunPython.noop),
    ]
