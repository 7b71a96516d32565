"""User management in the Django admin and in the Wagtail admin."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Institution, User
from tests.factories import InstitutionFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_admin(client):
    """The Wagtail admin follows the browser's language; these tests read English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = UserFactory(
        email="admin@example.org", roles=[roles.ADMINISTRATOR], is_staff=True, mfa=True
    )
    client.force_login(user)
    return user


def test_django_admin_lists_searches_and_filters_users(client, administrator):
    institution = InstitutionFactory(name_en="Provincial Hall of Kampot")
    UserFactory(
        email="chan.vanna@example.org",
        full_name_latin="CHAN Vanna",
        learner_kind=User.LearnerKind.STUDENT,
        institution=institution,
    )
    UserFactory(email="other@example.org", learner_kind=User.LearnerKind.OTHER)

    page = client.get("/django-admin/accounts/user/")
    assert page.status_code == 200
    found = client.get("/django-admin/accounts/user/?q=Vanna").context["cl"]
    assert [u.email for u in found.result_list] == ["chan.vanna@example.org"]
    by_kind = client.get("/django-admin/accounts/user/?learner_kind__exact=student")
    assert [u.email for u in by_kind.context["cl"].result_list] == [
        "chan.vanna@example.org"
    ]
    by_place = client.get(
        f"/django-admin/accounts/user/?institution__id__exact={institution.pk}"
    )
    assert by_place.context["cl"].result_count == 1
    by_role = client.get(
        "/django-admin/accounts/user/?groups__id__exact="
        f"{Group.objects.get(name=roles.ADMINISTRATOR).pk}"
    )
    assert [u.email for u in by_role.context["cl"].result_list] == ["admin@example.org"]


def test_django_admin_adds_and_edits_a_user(client, administrator):
    assert client.get("/django-admin/accounts/user/add/").status_code == 200
    response = client.post(
        "/django-admin/accounts/user/add/",
        {
            "email": "new.trainer@example.org",
            "usable_password": "true",
            "password1": "Angkor-Wat-1113",
            "password2": "Angkor-Wat-1113",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.trainer@example.org")
    assert user.check_password("Angkor-Wat-1113")

    change_url = f"/django-admin/accounts/user/{user.pk}/change/"
    assert client.get(change_url).status_code == 200
    response = client.post(
        change_url,
        {
            "email": "new.trainer@example.org",
            "full_name_km": "ចាន់ វណ្ណា",
            "full_name_latin": "CHAN Vanna",
            "learner_kind": "civil_servant",
            "institution": Institution.objects.get(code="mptc").pk,
            "position": "Trainer",
            "phone": "",
            "preferred_language": "en",
            "is_active": "on",
            "groups": [Group.objects.get(name=roles.TRAINER).pk],
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.full_name_latin == "CHAN Vanna"
    assert user.has_role(roles.TRAINER)


def test_django_admin_lists_institutions(client, administrator):
    page = client.get("/django-admin/accounts/institution/?q=Telecommunications")
    assert [i.code for i in page.context["cl"].result_list] == ["mptc"]


def test_wagtail_user_screens_list_search_and_filter_users(client, administrator):
    UserFactory(
        email="sreymom@example.org",
        full_name_km="កែវ ស្រីមុំ",
        full_name_latin="KEO Sreymom",
        learner_kind=User.LearnerKind.STUDENT,
        institution=Institution.objects.get(code="rupp"),
    )
    page = client.get("/admin/users/")
    assert page.status_code == 200
    assert "E-mail address" in page.content.decode()
    for query in ("Sreymom", "ស្រីមុំ", "sreymom@"):
        found = client.get("/admin/users/", {"q": query}).context["object_list"]
        assert [u.email for u in found] == ["sreymom@example.org"], query
    students = client.get("/admin/users/?learner_kind=student").context["object_list"]
    assert [u.email for u in students] == ["sreymom@example.org"]
    rupp = Institution.objects.get(code="rupp").pk
    members = client.get(f"/admin/users/?institution={rupp}").context["object_list"]
    assert [u.email for u in members] == ["sreymom@example.org"]


def test_wagtail_admin_creates_a_user_with_profile_and_role(client, administrator):
    page = client.get("/admin/users/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="full_name_km"' in html
    assert 'name="first_name"' not in html

    response = client.post(
        "/admin/users/new/",
        {
            "email": "lina.ros@example.org",
            "full_name_km": "រស់ លីណា",
            "full_name_latin": "ROS Lina",
            "learner_kind": "civil_servant",
            "institution": Institution.objects.get(code="mptc").pk,
            "position": "Editor",
            "phone": "012 999 888",
            "preferred_language": "km",
            "password1": "Bokor-mountain-1925",
            "password2": "Bokor-mountain-1925",
            "groups": [Group.objects.get(name=roles.EDITOR).pk],
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email="lina.ros@example.org")
    assert (user.full_name_km, user.full_name_latin) == ("រស់ លីណា", "ROS Lina")
    assert user.institution.code == "mptc"
    assert user.has_role(roles.EDITOR)
    assert user.check_password("Bokor-mountain-1925")


def test_wagtail_admin_edits_a_user(client, administrator):
    user = UserFactory(email="dara@example.org")
    edit_url = f"/admin/users/edit/{user.pk}/"
    page = client.get(edit_url)
    assert page.status_code == 200
    assert 'value="dara@example.org"' in page.content.decode()

    response = client.post(
        edit_url,
        {
            "email": "dara@example.org",
            "full_name_km": "សុខ ដារ៉ា",
            "full_name_latin": "SOK Dara",
            "learner_kind": "student",
            "institution": "",
            "position": "",
            "phone": "",
            "preferred_language": "en",
            "password1": "",
            "password2": "",
            "is_active": "on",
            "groups": [
                Group.objects.get(name=roles.LEARNER).pk,
                Group.objects.get(name=roles.TRAINER).pk,
            ],
        },
    )

    assert response.status_code == 302, response.context["form"].errors
    user.refresh_from_db()
    assert user.learner_kind == "student"
    assert user.preferred_language == "en"
    assert user.has_role(roles.TRAINER)
    assert user.check_password("kampot-pepper-1953")  # left blank: unchanged


def test_wagtail_account_settings_save_the_names(client, administrator):
    page = client.get("/admin/account/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="name_email-full_name_km"' in html
    assert 'name="password_change-old_password"' not in html  # allauth's job
    response = client.post(
        "/admin/account/",
        {
            "name_email-full_name_km": "អ្នកគ្រប់គ្រង",
            "name_email-full_name_latin": "ADMIN Sala",
            "locale-preferred_language": "en",
            "locale-current_time_zone": "Asia/Phnom_Penh",
            "theme-theme": "system",
            "theme-density": "default",
            "theme-contrast": "system",
            "theme-keyboard_shortcuts": "on",
        },
    )
    assert response.status_code == 302
    administrator.refresh_from_db()
    assert administrator.full_name_latin == "ADMIN Sala"
