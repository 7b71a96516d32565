"""Sign-up collects the profile, verifies the e-mail address in the page's
language, then signs the person in."""

import pytest
from django.contrib.auth import get_user

from accounts import roles
from accounts.models import Institution, User
from tests.accounts.conftest import link_path

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "email": "dara.sok@example.gov.kh",
        "password1": "Mekong-river-2024",
        "password2": "Mekong-river-2024",
        "full_name_km": "សុខ ដារ៉ា",
        "full_name_latin": "SOK Dara",
        "learner_kind": User.LearnerKind.CIVIL_SERVANT,
        "institution": Institution.objects.get(code="mptc").pk,
        "position": "Deputy director",
        "phone": "+855 12 345 678",
        "preferred_language": "km",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("lang", "preferred", "name"),
    [("km", "km", "សុខ ដារ៉ា"), ("en", "en", "SOK Dara"), ("km", "en", "សុខ ដារ៉ា")],
)
def test_signup_verifies_email_in_page_language_then_signs_in(
    client, mailoutbox, lang, preferred, name
):
    response = client.post(
        f"/{lang}/accounts/signup/", signup_data(preferred_language=preferred)
    )

    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/accounts/confirm-email/"
    user = User.objects.get(email="dara.sok@example.gov.kh")
    assert (user.full_name_km, user.full_name_latin) == ("សុខ ដារ៉ា", "SOK Dara")
    assert user.learner_kind == User.LearnerKind.CIVIL_SERVANT
    assert user.institution.code == "mptc"
    assert (user.position, user.phone) == ("Deputy director", "+855 12 345 678")
    assert user.preferred_language == preferred
    assert list(user.groups.values_list("name", flat=True)) == [roles.LEARNER]
    assert not get_user(client).is_authenticated

    [message] = mailoutbox
    assert message.to == ["dara.sok@example.gov.kh"]
    assert message.subject.startswith("[Sala] ")
    assert message.extra_headers["Content-Language"] == lang
    assert name in message.body
    confirm_path = link_path(message)
    assert confirm_path.startswith(f"/{lang}/accounts/confirm-email/")

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert 'class="container account-layout' in page.content.decode()
    response = client.post(confirm_path)

    assert get_user(client) == user
    assert user.emailaddress_set.get().verified
    # Signed in, people land on the home page in their preferred language.
    assert response["Location"] == f"/{preferred}/"


def test_signup_errors_are_shown_next_to_their_fields(client, mailoutbox):
    response = client.post(
        "/en/accounts/signup/",
        signup_data(full_name_km="Sok Dara", full_name_latin="សុខ ដារ៉ា", phone="abc"),
    )

    assert response.status_code == 200
    html = response.content.decode()
    for name in ("full_name_km", "full_name_latin", "phone"):
        assert f'<ul class="errorlist" id="id_{name}_error">' in html
        assert f'aria-describedby="id_{name}' in html
    assert html.count('aria-invalid="true"') == 3
    assert "Write your name in Khmer script." in html
    assert not User.objects.exists()
    assert mailoutbox == []


def test_signup_requires_the_names(client):
    data = signup_data()
    del data["full_name_km"], data["full_name_latin"]
    response = client.post("/km/accounts/signup/", data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name_km", "full_name_latin"}


def test_signup_form_offers_every_profile_field_with_a_label(client):
    html = client.get("/km/accounts/signup/").content.decode()
    for name in (
        "email",
        "password1",
        "password2",
        "full_name_km",
        "full_name_latin",
        "learner_kind",
        "institution",
        "position",
        "phone",
        "preferred_language",
    ):
        assert f'<label for="id_{name}">' in html
    # The preferred language starts as the page's language.
    assert '<option value="km" selected>' in html
