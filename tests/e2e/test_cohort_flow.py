"""A trainer logs in with two factors, uploads an enrolment file, fixes its error,
applies it, requires a course with a due date, watches a learner's progress appear
on the cohort page, and downloads the export."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import Locale

from accounts import roles
from accounts.models import Institution, User
from cohorts import services
from courses import services as course_services
from courses.demo import catalogue_ensure
from tests.courses.conftest import framework, make_course  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory, totp_code

HEADER = "email,full_name_km,full_name_latin,institution,position,phone,cohort\n"


@pytest.fixture
def trainer_setup(demo_site, framework, settings, db):  # noqa: F811
    settings.MFA_TOTP_TOLERANCE = 1
    en = Locale.objects.get(language_code="en")
    index = catalogue_ensure(home_km=demo_site, locale_en=en)
    tree = {"km": Locale.objects.get(language_code="km"), "en": en, "index": index}
    course, lessons = make_course(tree, framework, lessons=2)
    trainer = UserFactory(
        email="trainer.e2e@example.org",
        roles=[roles.TRAINER],
        mfa=True,
        preferred_language="en",
    )
    cohort = services.cohort_create(
        name_km="ក្រុមសាកល្បង",
        name_en="Pilot cohort",
        code="pilot",
        institution=Institution.objects.get(code="mptc"),
        start_date=date(2026, 1, 5),
        trainers=[trainer],
    )
    return {"trainer": trainer, "cohort": cohort, "course": course, "lessons": lessons}


def upload(page, name, text):
    page.locator("input[type=file][name=file]").first.set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}
    )
    page.locator("form.upload-form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/en/trainer/import/\d+/$"))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_trainer_imports_assigns_and_follows_progress(
    live_server, trainer_setup, page, screenshot
):
    base = live_server.url
    trainer, cohort = trainer_setup["trainer"], trainer_setup["cohort"]
    email = f"sophal.{page.viewport_name}@example.org"

    # Log in with the password, then the authenticator code.
    page.goto(f"{base}/en/accounts/login/")
    page.locator("input[name=login]").fill(trainer.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_code())
    page.locator("form:has(input[name=code]) button.button[type=submit]").click()
    # Let the code's POST finish before navigating, or the navigation cancels it.
    page.wait_for_url(lambda url: "/2fa/authenticate/" not in url)
    page.goto(f"{base}/en/trainer/")
    expect(page.locator("h1")).to_have_text("Cohorts and required training")
    expect(page.locator("main")).to_contain_text("Pilot cohort")
    screenshot("dashboard")

    # Upload a file with a bad address: the dry run shows the error, saves nothing.
    page.locator("a[href$='/trainer/import/']").first.click()
    wrong = (
        HEADER
        + f"{email},ជា សុផល,CHEA Sophal,mptc,Chief of Office,012 204 118,pilot\n"
        + "kanha(at)example.org,លឹម កញ្ញា,LIM Kanha,mptc,Officer,,pilot\n"
    )
    upload(page, "learners.csv", wrong)
    errors = page.locator("table.import-errors")
    expect(errors).to_contain_text("is not a valid e-mail address")
    expect(errors.locator("tbody tr").first).to_contain_text("3")
    assert not User.objects.filter(email=email).exists()
    screenshot("dry-run-error")

    # Upload the corrected file from the same page, then apply it.
    upload(page, "learners.csv", wrong.replace("kanha(at)", "kanha@"))
    expect(page.locator(".summary-create")).to_have_text("2")
    screenshot("dry-run-ok")
    page.locator("form[action$='/apply/'] [type=submit]").click()
    expect(page.locator(".import-status")).to_contain_text("Done")
    learner = User.objects.get(email=email)
    assert cohort.memberships.filter(user=learner).exists()
    assert any(m.to == [email] for m in mail.outbox)
    screenshot("applied")

    # Require the course of the cohort, with a due date.
    page.goto(f"{base}/en/trainer/cohorts/{cohort.pk}/")
    course = trainer_setup["course"]
    page.locator("form.assign-form select").select_option(str(course.translation_key))
    page.locator("form.assign-form input[type=date]").fill("2099-06-30")
    page.locator("form.assign-form [type=submit]").click()
    page.wait_for_url(re.compile(rf"/en/trainer/cohorts/{cohort.pk}/$"))
    expect(page.locator(".assignments")).to_contain_text("Staying safe online")
    row = page.locator("table.matrix tbody tr", has_text=email)
    expect(row).to_contain_text("Not started")
    screenshot("assigned")

    # The learner completes a lesson; the trainer's page shows the progress.
    course_services.lesson_complete(user=learner, lesson=trainer_setup["lessons"][0])
    page.reload()
    row = page.locator("table.matrix tbody tr", has_text=email)
    expect(row).to_contain_text("In progress")
    expect(row.locator("td.number").first).to_have_text("50")
    screenshot("progress")

    # The export downloads, with what the page shows.
    with page.expect_download() as download_info:
        page.locator(".exports a", has_text="CSV").first.click()
    download = download_info.value
    assert download.suggested_filename.startswith("pilot-progress-")
    content = open(download.path(), encoding="utf-8-sig").read()
    assert email in content
    assert "In progress" in content
