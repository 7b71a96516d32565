"""Logging in and out, unverified addresses, password reset and change, and
changing the e-mail address."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user

from tests.accounts.conftest import link_path
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tonle-Sap-lake-77"


def test_login_lands_on_home_in_preferred_language_and_logout(client, login):
    user = UserFactory(preferred_language="en")

    response = login(user, lang="km")

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert get_user(client) == user

    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_login_keeps_the_next_url(client):
    user = UserFactory()
    response = client.post(
        "/en/accounts/login/?next=/en/framework/",
        {"login": user.email, "password": DEFAULT_PASSWORD},
    )
    assert response["Location"] == "/en/framework/"


def test_wrong_password_is_refused_with_an_error(client, login):
    user = UserFactory()
    response = login(user, password="not-the-password")
    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert 'class="form-errors" role="alert"' in response.content.decode()


def test_login_with_unverified_email_waits_for_verification(client, login, mailoutbox):
    user = UserFactory(verified=False)

    response = login(user, lang="km")

    assert response["Location"] == "/km/accounts/confirm-email/"
    assert not get_user(client).is_authenticated
    [message] = mailoutbox
    assert message.to == [user.email]
    assert message.extra_headers["Content-Language"] == "km"
    confirm_path = link_path(message)
    assert confirm_path.startswith("/km/accounts/confirm-email/")

    client.post(confirm_path)
    assert EmailAddress.objects.get(user=user).verified
    response = login(user)
    assert response.status_code == 302
    assert get_user(client) == user


def test_password_reset(client, login, mailoutbox):
    user = UserFactory(preferred_language="en")

    response = client.post("/en/accounts/password/reset/", {"email": user.email})
    assert response["Location"] == "/en/accounts/password/reset/done/"
    [message] = mailoutbox
    assert message.to == [user.email]
    assert message.extra_headers["Content-Language"] == "en"
    assert user.full_name_latin in message.body
    key_path = link_path(message)
    assert key_path.startswith("/en/accounts/password/reset/key/")

    # allauth moves the key into the session and redirects to a key-less URL.
    set_password_path = client.get(key_path)["Location"]
    page = client.get(set_password_path)
    assert page.status_code == 200
    assert '<label for="id_password1">' in page.content.decode()
    response = client.post(
        set_password_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == "/en/accounts/password/reset/key/done/"
    assert mailoutbox[-1].subject.endswith("Your password has been reset")

    assert login(user).status_code == 200  # the old password is refused
    assert not get_user(client).is_authenticated
    assert login(user, password=NEW_PASSWORD)["Location"] == "/en/"


def test_password_reset_for_unknown_address_sends_nothing_revealing(client, mailoutbox):
    response = client.post(
        "/km/accounts/password/reset/", {"email": "nobody@example.org"}
    )
    assert response["Location"] == "/km/accounts/password/reset/done/"
    # No account: the message invites to sign up, and reveals nothing on the page.
    [message] = mailoutbox
    assert "/km/accounts/signup/" in message.body


def test_password_change(client, login, mailoutbox):
    user = UserFactory()
    login(user)

    response = client.post(
        "/en/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    [notice] = mailoutbox
    assert notice.subject == "[Sala] Your password has been changed"
    assert "IP address" in notice.body
    client.post("/en/accounts/logout/")
    assert login(user, password=NEW_PASSWORD).status_code == 302


def test_password_change_checks_the_old_password(client, login):
    user = UserFactory()
    login(user)
    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert 'id="id_oldpassword_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_email_change_is_verified_then_replaces_the_old_address(
    client, login, mailoutbox
):
    user = UserFactory(email="old@example.org")
    login(user)

    response = client.post(
        "/en/accounts/email/", {"action_add": "", "email": "new@example.org"}
    )

    assert response.status_code == 302
    [verification] = mailoutbox
    assert verification.to == ["new@example.org"]
    user.refresh_from_db()
    assert user.email == "old@example.org"  # not before it is confirmed

    client.post(link_path(verification))

    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert list(user.emailaddress_set.values_list("email", "verified", "primary")) == [
        ("new@example.org", True, True)
    ]
    notice = mailoutbox[-1]
    assert notice.to == ["old@example.org"]
    assert "new@example.org" in notice.body
    client.post("/en/accounts/logout/")
    assert login(user)["Location"] == "/km/"


def test_user_created_without_an_address_record_verifies_it_at_first_login(
    client, login, mailoutbox, django_user_model
):
    # As when an administrator creates the account in the admin.
    user = django_user_model.objects.create_user(
        email="made.by.admin@example.org", password=DEFAULT_PASSWORD
    )

    response = login(user)

    assert response["Location"] == "/en/accounts/confirm-email/"
    assert not get_user(client).is_authenticated
    [message] = mailoutbox
    client.post(link_path(message))
    assert login(user).status_code == 302
    assert get_user(client) == user
