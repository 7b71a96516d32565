"""The four roles and what each may reach."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Page

from accounts import roles
from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_four_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)


def test_administrator_role_has_every_permission():
    group = Group.objects.get(name=roles.ADMINISTRATOR)
    assert set(group.permissions.all()) == set(Permission.objects.all())
    admin = UserFactory(roles=[roles.ADMINISTRATOR])
    everything = Permission.objects.values_list("content_type__app_label", "codename")
    assert User.objects.get(pk=admin.pk).has_perms(
        [f"{app}.{codename}" for app, codename in everything]
    )


def test_learner_cannot_reach_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/admin/pages/").status_code in (302, 403)
    assert client.get("/django-admin/", follow=True).status_code == 403


def test_editor_with_totp_reaches_the_admin_and_edits_pages(client):
    editor = UserFactory(roles=[roles.EDITOR], mfa=True)
    client.force_login(editor)
    page = Page.objects.get(depth=2)

    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    response = client.post(
        f"/admin/pages/{page.pk}/edit/",
        {"title": "Sala home", "slug": page.slug, "action-publish": "publish"},
    )

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "Sala home"
    assert page.get_latest_revision().user == editor


def test_editor_cannot_manage_users(client):
    client.force_login(UserFactory(roles=[roles.EDITOR], mfa=True))
    assert client.get("/admin/users/").status_code in (302, 403)


def test_trainer_can_view_but_not_change_users():
    trainer = User.objects.get(pk=UserFactory(roles=[roles.TRAINER]).pk)
    assert trainer.has_perm("accounts.view_user")
    assert not trainer.has_perm("accounts.change_user")
    assert not trainer.has_perm("wagtailadmin.access_admin")
