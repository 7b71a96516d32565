"""Keep role permissions complete after every migrate.

A data migration cannot see permissions of apps migrated after it, so the
Administrator role and the Editor's Wagtail page and collection permissions are
topped up here, once all apps have migrated.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

from accounts import roles

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page"]
EDITOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]
EDITOR_MODEL_PERMISSIONS = (
    [("simple_translation", "submit_translation")]
    + [
        ("assessments", f"{action}_{model}")
        for model in ("questionbank", "question")
        for action in ("add", "change", "view", "delete")
    ]
    + [
        ("certificates", f"{action}_certificatetemplate")
        for action in ("add", "change", "view", "delete")
    ]
    + [
        ("certificates", f"{action}_certificate")
        for action in ("add", "change", "view")
    ]
)


def sync_role_permissions(sender, **kwargs):
    # Permissions are created app by app in post_migrate, so wait for the last app.
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender.name != with_models[-1].name:
        return
    # This receiver is connected before django.contrib.auth's (accounts comes
    # first in INSTALLED_APPS), so the last app's permissions are not there yet.
    create_permissions(
        sender,
        verbosity=0,
        using=kwargs.get("using", DEFAULT_DB_ALIAS),
        apps=kwargs.get("apps", apps),
    )
    administrator = Group.objects.filter(name=roles.ADMINISTRATOR).first()
    if administrator:
        administrator.permissions.set(Permission.objects.all())
    editor = Group.objects.filter(name=roles.EDITOR).first()
    if editor:
        _grant_wagtail_editing(editor)
        for app_label, codename in EDITOR_MODEL_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                editor.permissions.add(permission)


def _grant_wagtail_editing(group):
    from wagtail.models import (
        Collection,
        GroupCollectionPermission,
        GroupPagePermission,
        Page,
    )

    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    if root_page:
        for codename in EDITOR_PAGE_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root_page, permission=permission
                )
    if root_collection:
        for app_label, codename in EDITOR_COLLECTION_PERMISSIONS:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
