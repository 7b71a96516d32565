"""In a browser: a learner completes a course, finds the certificate under My
certificates, opens the address its QR code holds and sees it verified."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import Locale

from certificates.models import Certificate, CertificateTemplate
from courses.demo import catalogue_ensure
from tests.certificates.conftest import ZBAR, qr_codes
from tests.courses.conftest import framework, make_course  # noqa: F401
from tests.e2e.conftest import browser, demo_site, page, screenshot  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture
def course_tree(demo_site, framework, db):  # noqa: F811
    en = Locale.objects.get(language_code="en")
    index = catalogue_ensure(home_km=demo_site, locale_en=en)
    tree = {"km": Locale.objects.get(language_code="km"), "en": en, "index": index}
    course, _lessons = make_course(tree, framework, lessons=1)
    CertificateTemplate.objects.create(
        name="Completion",
        title_km="វិញ្ញាបនបត្របញ្ចប់វគ្គសិក្សា",
        title_en="Certificate of completion",
        statement_km="បានបញ្ចប់វគ្គសិក្សា",
        statement_en="has completed the course",
        issuer_name_km="អ្នកចេញវិញ្ញាបនបត្រសាកល្បង",
        issuer_name_en="Sala demo issuer",
        is_default=True,
    )
    return course


@pytest.mark.e2e
@pytest.mark.skipif(not ZBAR, reason="needs zbar-tools")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_learner_gets_a_certificate_whose_qr_code_verifies(
    live_server,
    course_tree,
    page,  # noqa: F811
    screenshot,  # noqa: F811
    settings,
    tmp_path,
):
    settings.CERTIFICATES_SITE_URL = live_server.url
    settings.CERTIFICATES_VERIFY_RATE_LIMIT = 1000
    base = live_server.url
    learner = UserFactory(
        email=f"cert.{page.viewport_name}@example.org",
        full_name_km="សុខ ដារ៉ា",
        full_name_latin="SOK Dara",
    )
    page.goto(f"{base}/km/accounts/login/")
    page.locator("input[name=login]").fill(learner.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{base}/km/courses/safe/")
    page.locator("form[action$='/enrol/'] [type=submit]").click()
    page.locator(".enrolment-box a.button").click()
    page.wait_for_url(re.compile(r"/km/courses/safe/lesson-1/$"))
    page.locator("form[action$='/complete/'] [type=submit]").click()
    page.wait_for_load_state()

    certificate = Certificate.objects.get(user=learner)
    assert any(certificate.code in message.body for message in mail.outbox)
    page.goto(f"{base}/km/learning/certificates/")
    card = page.locator(".certificate-card")
    expect(card).to_contain_text("សុវត្ថិភាពលើអ៊ីនធឺណិត")
    expect(card.locator(".certificate-status--valid")).to_be_visible()
    expect(card.locator(f"a[href$='/{certificate.code}/download/']")).to_be_visible()
    screenshot("my-certificates")

    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate.pdf.read())
    [url] = qr_codes(pdf, tmp_path)
    assert url == f"{base}/verify/{certificate.code}/"
    page.goto(url)
    language = "km" if page.viewport_name == "mobile" else "en"
    page.wait_for_url(f"{base}/{language}/verify/{certificate.code}/")
    expect(page.locator(".certificate-verdict--valid")).to_be_visible()
    expect(page.locator(".certificate-fields")).to_contain_text("សុខ ដារ៉ា")
    expect(page.locator(".certificate-fields")).to_contain_text("SOK Dara")
    expect(page.locator(".certificate-code")).to_have_text(certificate.code_display)
    screenshot(f"verified-{language}")
