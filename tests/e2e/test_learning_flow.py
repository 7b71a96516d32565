"""A learner enrols, reads lessons in Khmer, switches to English with the same
progress, takes the required quiz in Khmer (reloading half-way), sees the
per-competence result and the profile chart, and the course completes."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.models import Locale

from courses.demo import catalogue_ensure
from courses.models import Enrolment
from tests.assessments.conftest import make_question, make_quiz
from tests.courses.conftest import framework, make_course  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture
def course_tree(demo_site, framework, db):  # noqa: F811
    from assessments.models import QuestionBank

    km = Locale.objects.get(language_code="km")
    en = Locale.objects.get(language_code="en")
    index = catalogue_ensure(home_km=demo_site, locale_en=en)
    tree = {"km": km, "en": en, "index": index}
    course, lessons = make_course(tree, framework, lessons=3)
    bank = QuestionBank.objects.create(name_en="Bank", name_km="ធនាគារ")
    questions = [
        make_question(bank, framework, kind="single", level="L1", key="a"),
        make_question(bank, framework, kind="true_false", level="L1", key="b"),
        make_question(
            bank,
            framework,
            kind="short_text",
            level="L2",
            key="c",
            accepted="ពាក្យសម្ងាត់",
        ),
    ]
    quiz = make_quiz(
        course, questions, shuffle_questions=False, shuffle_choices=False, pass_mark=60
    )
    quiz_en = quiz.copy_for_translation(en)
    quiz_en.title = "Final quiz"
    quiz_en.save_revision().publish()
    return {"course": course, "lessons": lessons, "quiz": quiz, "questions": questions}


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/km/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_learner_completes_a_course_across_languages(
    live_server, course_tree, page, screenshot
):
    learner = UserFactory(email=f"learner.{page.viewport_name}@example.org")
    base = live_server.url
    log_in(page, live_server, learner)

    # Enrol from the Khmer course page.
    page.goto(f"{base}/km/courses/safe/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator("form[action$='/enrol/'] [type=submit]").click()
    expect(page.locator(".enrolment-box progress")).to_be_visible()
    screenshot("enrolled-km")

    # Read two lessons in Khmer: completing one opens the next.
    page.locator(".enrolment-box a.button").click()
    page.wait_for_url(re.compile(r"/km/courses/safe/lesson-1/$"))
    expect(page.locator(".lesson__body")).to_contain_text("ពាក្យសម្ងាត់")
    page.locator("form[action$='/complete/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/km/courses/safe/lesson-2/$"))
    page.locator("form[action$='/complete/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/km/courses/safe/lesson-3/$"))
    screenshot("lesson-3-km")

    # Switch to English: same lesson, same progress (2 of 3 lessons + 1 quiz).
    page.locator(".language-switcher button[value=en]").click()
    page.wait_for_url(re.compile(r"/en/courses/safe/lesson-3/$"))
    expect(page.locator("h1")).to_have_text("Lesson 3")
    expect(page.locator(".progress__label")).to_contain_text("2 of 4")
    page.locator("form[action$='/complete/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/en/courses/safe/$"))
    expect(page.locator(".progress__label")).to_contain_text("3 of 4")
    screenshot("course-en")

    # Take the required quiz in Khmer.
    page.goto(f"{base}/km/courses/safe/final-quiz/")
    page.locator("form[action$='/start/'] [type=submit]").click()
    page.wait_for_url(re.compile(r"/km/learning/attempts/\d+/$"))
    questions = course_tree["questions"]
    first = questions[0].choices.get(is_correct=True)
    page.locator(f"input[name=q-{questions[0].pk}][value='{first.pk}']").check()
    expect(page.locator(f"#question-{questions[0].pk} .save-status")).not_to_be_empty()
    screenshot("quiz-half-way")

    # A reload loses nothing.
    page.reload()
    expect(
        page.locator(f"input[name=q-{questions[0].pk}][value='{first.pk}']")
    ).to_be_checked()
    second = questions[1].choices.get(is_correct=True)
    page.locator(f"input[name=q-{questions[1].pk}][value='{second.pk}']").check()
    page.locator(f"input[name=q-{questions[2].pk}]").fill("ពាក្យ សម្ងាត់")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(".quiz-actions button[name=submit]").click()
    page.wait_for_url(re.compile(r"/km/learning/attempts/\d+/result/$"))
    expect(page.locator(".competence-table")).to_contain_text("4.2")
    # Both Basic and Intermediate questions right: Intermediate on 4.2.
    expect(page.locator(".competence-table .badge")).to_have_text("មធ្យម")
    screenshot("result-km")

    # The profile chart, readable without JavaScript.
    page.goto(f"{base}/km/learning/profile/")
    expect(page.locator(".level-bars").first).to_be_visible()
    screenshot("profile-km")

    # The course is complete.
    page.goto(f"{base}/en/courses/safe/")
    expect(page.locator(".enrolment-box .done")).to_be_visible()
    screenshot("course-completed-en")
    assert Enrolment.objects.get(user=learner).status == Enrolment.Status.COMPLETED
