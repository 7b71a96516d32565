"""Every account and MFA page uses the site's layout and labels every input;
the e-mails render in the active language."""

from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class FormAudit(HTMLParser):
    """Collects the inputs that need a label, and the labels' targets."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        hidden = attrs.get("type") in ("hidden", "submit", "button")
        if tag in ("input", "select", "textarea") and not hidden:
            self.inputs.append(attrs.get("id") or attrs.get("name"))

    def unlabelled(self):
        return [name for name in self.inputs if name not in self.labelled]


def assert_site_layout(response, *, manage):
    assert response.status_code == 200, response
    html = response.content.decode()
    assert 'class="skip-link"' in html  # the site's base.html
    assert "/static/accounts/accounts.css" in html
    assert 'class="card account-card"' in html
    assert ('class="account-nav"' in html) is manage
    audit = FormAudit()
    audit.feed(html)
    assert audit.unlabelled() == []


@pytest.mark.parametrize(
    "path",
    [
        "/km/accounts/login/",
        "/en/accounts/signup/",
        "/km/accounts/password/reset/",
        "/en/accounts/password/reset/done/",
        "/km/accounts/confirm-email/",
    ],
)
def test_entrance_pages_use_the_site_layout(client, path):
    assert_site_layout(client.get(path), manage=False)


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/profile/",
        "/km/accounts/email/",
        "/en/accounts/password/change/",
        "/km/accounts/2fa/",
    ],
)
def test_manage_pages_use_the_site_layout_with_account_navigation(client, path):
    client.force_login(UserFactory())
    assert_site_layout(client.get(path), manage=True)


def test_mfa_pages_use_the_site_layout(client, login, settings):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    from tests.factories import DEFAULT_PASSWORD, totp_code

    settings.MFA_TOTP_TOLERANCE = 1
    user = UserFactory()
    login(user)
    client.post("/en/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    assert_site_layout(client.get("/en/accounts/2fa/totp/activate/"), manage=True)
    secret = client.session[SECRET_SESSION_KEY]
    client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    codes = client.get("/en/accounts/2fa/recovery-codes/")
    assert_site_layout(codes, manage=True)
    assert 'id="recovery_codes"' in codes.content.decode()
    assert_site_layout(client.get("/en/accounts/2fa/totp/deactivate/"), manage=True)


def test_account_navigation_marks_the_current_page(client):
    client.force_login(UserFactory())
    html = client.get("/en/accounts/password/change/").content.decode()
    assert '<a href="/en/accounts/password/change/" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


EMAILS = [
    ("account/email/email_confirmation_signup", {"activate_url": "https://x/k/"}),
    ("account/email/email_confirmation", {"activate_url": "https://x/k/"}),
    ("account/email/password_reset_key", {"password_reset_url": "https://x/r/"}),
    ("account/email/password_reset", {}),
    ("account/email/password_changed", {}),
    ("account/email/password_set", {}),
    ("account/email/email_changed", {"from_email": "a@x.org", "to_email": "b@x.org"}),
    ("account/email/email_deleted", {"deleted_email": "a@x.org"}),
    ("account/email/account_already_exists", {"password_reset_url": "https://x/r/"}),
    ("account/email/unknown_account", {"signup_url": "https://x/s/"}),
    ("mfa/email/totp_activated", {}),
    ("mfa/email/totp_deactivated", {}),
    ("mfa/email/recovery_codes_generated", {}),
]


NOTIFICATIONS = {
    "account/email/password_reset",
    "account/email/password_changed",
    "account/email/password_set",
    "account/email/email_changed",
    "account/email/email_deleted",
    "mfa/email/totp_activated",
    "mfa/email/totp_deactivated",
    "mfa/email/recovery_codes_generated",
}


@pytest.mark.parametrize(("prefix", "context"), EMAILS)
@pytest.mark.parametrize(("lang", "name"), [("km", "សុខ ដារ៉ា"), ("en", "SOK Dara")])
def test_emails_render_greeting_the_person_in_the_active_language(
    prefix, context, lang, name
):
    user = UserFactory.build(full_name_km="សុខ ដារ៉ា", full_name_latin="SOK Dara")
    common = {"user": user, "email": "a@x.org", "ip": "203.0.113.9", "user_agent": "Fx"}
    with translation.override(lang):
        subject = render_to_string(f"{prefix}_subject.txt", {**common, **context})
        body = render_to_string(f"{prefix}_message.txt", {**common, **context})
    assert subject.strip()
    assert "\n" not in subject.strip()
    assert name in body.splitlines()[0]
    for value in context.values():
        assert value in body
    assert ("203.0.113.9" in body) is (prefix in NOTIFICATIONS)
