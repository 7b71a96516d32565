"""Two-factor authentication: offered to everyone, required for staff, trainers,
editors and administrators."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth import get_user

from accounts import roles
from tests.factories import DEFAULT_PASSWORD, UserFactory, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("mfa_tolerance")]

ACTIVATE = "/{lang}/accounts/2fa/totp/activate/"


def test_trainer_without_totp_is_sent_to_activation_after_login(client, login):
    trainer = UserFactory(roles=[roles.TRAINER])

    response = login(trainer, lang="km")

    assert response["Location"] == ACTIVATE.format(lang="km")
    assert get_user(client) == trainer


@pytest.mark.parametrize(
    "path",
    [
        "/km/",
        "/en/framework/",
        "/en/accounts/profile/",
        "/km/accounts/password/change/",
    ],
)
def test_trainer_without_totp_is_redirected_from_every_page(client, path):
    client.force_login(UserFactory(roles=[roles.TRAINER]))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == ACTIVATE.format(lang=path.split("/")[1])


def test_admin_is_also_held_back_until_totp(client):
    client.force_login(UserFactory(roles=[roles.EDITOR]))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/2fa/totp/activate/")


@pytest.mark.parametrize(
    "path", ["/en/accounts/2fa/", "/en/accounts/email/", "/km/accounts/logout/"]
)
def test_pages_needed_to_set_up_totp_stay_reachable(client, path):
    client.force_login(UserFactory(roles=[roles.TRAINER]))
    assert client.get(path).status_code == 200


def test_staff_without_a_role_must_use_totp_too(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/en/").status_code == 302


def test_learner_is_not_forced_but_is_offered_totp(client, login):
    learner = UserFactory()
    response = login(learner, lang="en")
    assert response["Location"] == "/km/"
    assert client.get("/en/framework/").status_code != 302
    page = client.get("/en/accounts/2fa/").content.decode()
    assert 'href="/en/accounts/2fa/totp/activate/"' in page


def test_activating_totp_unlocks_the_site(client, login):
    trainer = UserFactory(roles=[roles.TRAINER])
    login(trainer)

    # Adding an authenticator asks for the password again, even right after login.
    response = client.get(ACTIVATE.format(lang="en"))
    assert response["Location"].startswith("/en/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    assert response["Location"] == ACTIVATE.format(lang="en")

    page = client.get(ACTIVATE.format(lang="en"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your role requires two-factor authentication" in html  # why they are here
    assert 'class="account-qr"' in html
    assert '<label for="id_code">' in html
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(ACTIVATE.format(lang="en"), {"code": "000000"})
    assert wrong.status_code == 200
    assert 'id="id_code_error"' in wrong.content.decode()
    assert not Authenticator.objects.filter(user=trainer).exists()

    response = client.post(ACTIVATE.format(lang="en"), {"code": totp_code(secret)})

    assert response["Location"] == "/en/accounts/2fa/recovery-codes/"
    assert Authenticator.objects.filter(
        user=trainer, type=Authenticator.Type.TOTP
    ).exists()
    assert client.get("/en/framework/").status_code != 302
    assert client.get("/en/accounts/2fa/recovery-codes/").status_code == 200


def test_trainer_with_totp_must_enter_a_code_at_login(client, login):
    trainer = UserFactory(roles=[roles.TRAINER], mfa=True, preferred_language="en")

    response = login(trainer, lang="km")

    assert response["Location"] == "/km/accounts/2fa/authenticate/"
    assert not get_user(client).is_authenticated
    page = client.get("/km/accounts/2fa/authenticate/")
    assert page.status_code == 200
    assert '<label for="id_code">' in page.content.decode()

    refused = client.post("/km/accounts/2fa/authenticate/", {"code": "123456"})
    assert refused.status_code == 200
    assert not get_user(client).is_authenticated

    response = client.post("/km/accounts/2fa/authenticate/", {"code": totp_code()})

    assert response["Location"] == "/en/"
    assert get_user(client) == trainer
    assert client.get("/en/framework/").status_code != 302


def test_admin_login_pages_hand_over_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/?next=%2Fadmin%2Fpages%2F")
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert "/accounts/login/" in response["Location"]
    response = client.get("/django-admin/login/")
    assert "/accounts/login/" in response["Location"]


def test_admin_login_with_password_only_is_not_possible_for_totp_users(client):
    editor = UserFactory(roles=[roles.EDITOR], mfa=True)
    client.post("/admin/login/", {"username": editor.email, "password": "x"})
    assert not get_user(client).is_authenticated


def test_django_admin_login_without_next_returns_to_the_django_admin(client):
    response = client.get("/django-admin/login/")
    assert response["Location"].endswith("/accounts/login/?next=%2Fdjango-admin%2F")
