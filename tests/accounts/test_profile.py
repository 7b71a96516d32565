"""The profile page, and how names are shown in each language."""

import pytest
from django.utils import translation

from accounts.models import Institution
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def profile_data(**overrides):
    data = {
        "full_name_km": "ចាន់ សុភា",
        "full_name_latin": "CHAN Sophea",
        "learner_kind": "student",
        "institution": Institution.objects.get(code="rupp").pk,
        "position": "Second-year student",
        "phone": "097 123 4567",
        "preferred_language": "km",
    }
    data.update(overrides)
    return data


def test_profile_page_needs_login(client):
    response = client.get("/en/accounts/profile/")
    assert response["Location"] == "/en/accounts/login/?next=/en/accounts/profile/"


def test_profile_page_shows_the_current_profile(client):
    user = UserFactory(full_name_latin="SOK Dara", position="Officer")
    client.force_login(user)
    response = client.get("/km/accounts/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="SOK Dara"' in html
    assert 'value="Officer"' in html
    assert '<a href="/km/accounts/profile/" aria-current="page">' in html


def test_profile_page_saves_the_profile(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/km/accounts/profile/", profile_data())

    assert response["Location"] == "/km/accounts/profile/"
    user.refresh_from_db()
    assert (user.full_name_km, user.full_name_latin) == ("ចាន់ សុភា", "CHAN Sophea")
    assert user.learner_kind == "student"
    assert user.institution.code == "rupp"
    assert (user.position, user.phone) == ("Second-year student", "097 123 4567")


def test_choosing_another_language_shows_the_profile_in_it(client):
    user = UserFactory(preferred_language="km")
    client.force_login(user)
    response = client.post(
        "/km/accounts/profile/", profile_data(preferred_language="en")
    )
    assert response["Location"] == "/en/accounts/profile/"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_profile_errors_are_shown_and_nothing_is_saved(client):
    user = UserFactory(full_name_latin="SOK Dara")
    client.force_login(user)
    response = client.post(
        "/en/accounts/profile/", profile_data(full_name_latin="", phone="12")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_full_name_latin_error"' in html
    assert 'id="id_phone_error"' in html
    user.refresh_from_db()
    assert user.full_name_latin == "SOK Dara"


def test_display_name_follows_the_language():
    user = UserFactory.build(full_name_km="សុខ ដារ៉ា", full_name_latin="SOK Dara")
    with translation.override("km"):
        assert user.display_name == "សុខ ដារ៉ា"
        assert str(user) == "សុខ ដារ៉ា"
    with translation.override("en"):
        assert user.display_name == "SOK Dara"


def test_display_name_falls_back_to_the_other_name_then_the_email():
    only_latin = UserFactory.build(full_name_km="", full_name_latin="SOK Dara")
    with translation.override("km"):
        assert only_latin.display_name == "SOK Dara"
    nameless = UserFactory.build(
        email="x@example.org", full_name_km="", full_name_latin=""
    )
    with translation.override("en"):
        assert nameless.display_name == "x@example.org"
