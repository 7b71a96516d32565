"""A visitor finds Sala in Khmer, switches to English, signs up, confirms the
e-mail address, logs out and logs in again."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Institution, User

PASSWORD = "Kampot-pepper-2026"


def _wait_for_mail(page, count=1):
    for _ in range(50):
        if len(mail.outbox) >= count:
            return mail.outbox[count - 1]
        page.wait_for_timeout(100)
    raise AssertionError("No verification e-mail was sent.")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_signup_confirm_logout_login(live_server, demo_site, page, screenshot):
    email = f"dara.{page.viewport_name}@example.org"
    failed = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )

    # The home page, in Khmer.
    page.goto(f"{live_server.url}/km/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.locator("h1")).to_have_text("រៀនជំនាញឌីជីថលជាមួយសាលា")
    expect(page.locator(".audience")).to_have_count(3)
    screenshot("home-km")

    # Switch to English with the language switcher.
    page.locator(".language-switcher button[value=en]").click()
    page.wait_for_url(f"{live_server.url}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Learn digital skills with Sala")
    screenshot("home-en")

    # Sign up, filling every field.
    page.locator(".site-header a[href='/en/accounts/signup/']").click()
    page.wait_for_url(re.compile(r"/en/accounts/signup/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    form = page.locator("form:has(input[name=password2])")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=full_name_km]").fill("សុខ ដារា")
    form.locator("input[name=full_name_latin]").fill("SOK Dara")
    form.locator("select[name=learner_kind]").select_option("civil_servant")
    mptc = Institution.objects.get(code="mptc")
    form.locator("select[name=institution]").select_option(label=mptc.name_en)
    form.locator("input[name=position]").fill("Deputy Director of Department")
    form.locator("input[name=phone]").fill("012 345 678")
    form.locator("select[name=preferred_language]").select_option("en")
    screenshot("signup-filled")
    form.locator("[type=submit]").click()
    page.wait_for_url(re.compile(r"/en/accounts/confirm-email/$"))
    screenshot("verification-sent")

    user = User.objects.get(email=email)
    assert (user.full_name_km, user.full_name_latin) == ("សុខ ដារា", "SOK Dara")
    assert user.learner_kind == "civil_servant"
    assert user.institution.code == "mptc"
    assert (user.position, user.phone) == (
        "Deputy Director of Department",
        "012 345 678",
    )
    assert user.preferred_language == "en"
    assert user.has_role("Learner")

    # Read the verification e-mail and open its link.
    message = _wait_for_mail(page)
    assert message.to == [email]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    assert link.group(0).startswith(live_server.url)
    page.goto(link.group(0))
    screenshot("confirm")
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    header = page.locator(".site-header")
    expect(header.locator("form[action*='logout'] button")).to_be_visible()
    screenshot("confirmed")
    assert user.emailaddress_set.get(email=email).verified

    # Log out from the header.
    header.locator("form[action*='logout'] button").click()
    page.wait_for_load_state()
    if page.locator("main form[action*='logout']").count():
        # allauth asks to confirm when logging out is not a POST from our header.
        page.locator("main form[action*='logout'] [type=submit]").click()
        page.wait_for_load_state()
    expect(header.locator("a[href$='/accounts/login/']")).to_be_visible()
    expect(header.locator("form[action*='logout']")).to_have_count(0)
    screenshot("logged-out")

    # Log in with the e-mail address and password.
    header.locator("a[href$='/accounts/login/']").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    screenshot("login")
    login = page.locator("form:has(input[name=password])")
    login.locator("input[name=login]").fill(email)
    login.locator("input[name=password]").fill(PASSWORD)
    login.locator("[type=submit]").click()
    page.wait_for_load_state()
    expect(header.locator("form[action*='logout'] button")).to_be_visible()
    expect(header.locator("a[href$='/accounts/login/']")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot("logged-in")
    # Every page, stylesheet, font and icon the flow loaded was found.
    assert failed == []
