"""A student sits a competition in Khmer, in a real browser: registers, waits for
approval, watches the countdown open the sitting, answers (autosaved, with a
reload half-way), submits, gets a receipt, sees results only once published."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Question
from certificates import rendering
from certificates.models import Certificate
from competencies.models import Competence, ProficiencyLevel
from competitions import services
from competitions.models import Registration, Sitting, SittingResponse
from tests.certificates.conftest import make_template, pdf_text
from tests.competitions.conftest import SECRET_STEM_EN, SECRET_STEM_KM, make_contest
from tests.courses.conftest import framework  # noqa: F401
from tests.e2e.conftest import browser, demo_site, page, screenshot  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, InstitutionFactory, UserFactory


@pytest.fixture
def open_soon(demo_site, framework):  # noqa: F811
    """A contest whose sitting opens a few seconds from now, over a small bank."""
    from assessments.models import QuestionBank
    from tests.assessments.conftest import make_question

    bank = QuestionBank.objects.create(name_en="Bank", name_km="ធនាគារ")
    for number, kind in enumerate(["single", "true_false", "multiple", "ordering"]):
        question = make_question(
            bank, framework, kind=kind, level="L1", key=f"b{number}"
        )
        question.stem_km = f"<p>{SECRET_STEM_KM} {number}</p>"
        question.stem_en = f"<p>{SECRET_STEM_EN} {number}</p>"
        question.save()
    competence = Competence.objects.get(framework=framework, code="4.2")
    level = ProficiencyLevel.objects.get(framework=framework, code="L1")
    now = timezone.now()
    return make_contest(
        rows=[(bank, competence, level, 3)],
        sitting_opens_at=now + timedelta(seconds=25),
        sitting_closes_at=now + timedelta(hours=2),
        time_limit_minutes=20,
    )


def log_in(page, base, user):  # noqa: F811
    page.goto(f"{base}/km/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()


def answer_right(page, sitting, questions):  # noqa: F811
    for item in sitting.layout:
        question = questions[item["question"]]
        choices = sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk))
        name = f"q-{question.pk}"
        if question.kind in ("single", "true_false", "multiple"):
            for choice in choices:
                if choice.is_correct:
                    page.locator(f"input[name='{name}'][value='{choice.pk}']").check()
        elif question.kind == "ordering":
            for position, choice in enumerate(choices, start=1):
                page.locator(f"select[name='{name}-pos-{choice.pk}']").select_option(
                    str(position)
                )
        status = page.locator(f"#question-{question.pk} .save-status")
        expect(status).not_to_be_empty()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_student_sits_a_competition_in_khmer(
    live_server,
    open_soon,
    page,  # noqa: F811
    screenshot,  # noqa: F811
    tmp_path,
):
    contest = open_soon
    base = live_server.url
    university = InstitutionFactory(code=f"uni-{page.viewport_name}")
    student = UserFactory(
        email=f"student.{page.viewport_name}@example.org",
        learner_kind="student",
        institution=university,
    )
    log_in(page, base, student)

    # The list of competitions and the contest's page, in Khmer.
    page.goto(f"{base}/km/competitions/")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    page.locator(f"a[href='/km/competitions/{contest.slug}/']").click()
    expect(page.locator("h1")).to_have_text(contest.title_km)
    expect(page.locator(".contest-rules")).to_contain_text("ច្បាប់ជាភាសាខ្មែរ")
    screenshot("contest-km")

    # Register with institution, student ID and year.
    form = page.locator("form.registration-form")
    form.locator("select[name=institution]").select_option(str(university.pk))
    form.locator("input[name=student_id]").fill("RUPP-2026-0042")
    form.locator("input[name=study_year]").fill("3")
    form.locator("[type=submit]").click()
    expect(page.locator(".registration-status--pending")).to_be_visible()
    screenshot("registered-pending")
    registration = Registration.objects.get(user=student)
    assert registration.student_id == "RUPP-2026-0042"

    # The organisers approve; the countdown runs, with nothing of the questions.
    services.registration_decide(
        registration=registration,
        approve=True,
        organiser=UserFactory(roles=["Editor"]),
    )
    page.reload()
    countdown = page.locator(".countdown__value")
    expect(countdown).to_have_text(re.compile(r"^00:00:\d\d$"))
    html = page.content()
    assert SECRET_STEM_KM not in html and SECRET_STEM_EN not in html
    screenshot("countdown")

    # At the opening the page reloads by itself and offers to start.
    start = page.locator(
        f"form[action='/km/competitions/{contest.slug}/start/'] button"
    )
    expect(start).to_be_visible(timeout=45_000)
    screenshot("open")
    start.click()
    page.wait_for_url(re.compile(r"/km/competitions/.+/sitting/$"))
    expect(page.locator(".question")).to_have_count(3)
    expect(page.locator(".question__stem").first).to_contain_text(SECRET_STEM_KM)
    expect(page.locator(".timer__value")).to_have_text(re.compile(r"^00:(19|20):\d\d$"))
    assert SECRET_STEM_EN not in page.content()

    sitting = Sitting.objects.get(user=student)
    questions = Question.objects.prefetch_related("choices").in_bulk(
        sitting.question_ids
    )
    answer_right(page, sitting, questions)
    screenshot("answered")
    assert SittingResponse.objects.filter(sitting=sitting).count() == 3

    # A reload keeps every answer.
    page.reload()
    for item in sitting.layout:
        question = questions[item["question"]]
        # Every right choice, also of a multiple-choice question whose clicks
        # were saved one after the other.
        if question.kind in ("single", "true_false", "multiple"):
            for correct in (c for c in question.choices.all() if c.is_correct):
                expect(
                    page.locator(f"input[name='q-{question.pk}'][value='{correct.pk}']")
                ).to_be_checked()

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[name=submit]").click()
    page.wait_for_url(re.compile(r"/km/competitions/.+/received/$"))
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert sitting.score == sitting.max_score == 3
    expect(page.locator(".receipt")).to_have_text(sitting.receipt)
    assert SECRET_STEM_KM not in page.content()
    screenshot("received")

    # Before publication: no score, no rank.
    page.goto(f"{base}/km/competitions/{contest.slug}/results/")
    assert "my-result" not in page.content()
    screenshot("results-pending")

    organiser = UserFactory(roles=["Editor"])
    merit_template = make_template(contest, "merit")
    services.contest_sitting_close(contest=contest, organiser=organiser)
    services.contest_results_publish(contest=contest, organiser=organiser)
    page.reload()
    expect(page.locator(".my-result")).to_be_visible()
    expect(page.locator(".leaderboard .is-me").first).to_contain_text(
        student.full_name_km
    )
    assert SECRET_STEM_KM not in page.content()
    screenshot("results")

    # Publication issued the merit certificate: from the results page to its PDF,
    # which states the rank in Khmer, and to its public verification page.
    certificate = Certificate.objects.get(user=student, template=merit_template)
    panel = page.locator(".contest-certificates")
    expect(panel).to_contain_text("វិញ្ញាបនបត្ររបស់អ្នក")
    with page.expect_download() as download:
        panel.locator(f"a[href$='/{certificate.code}/download/']").click()
    pdf_path = tmp_path / "merit.pdf"
    download.value.save_as(pdf_path)
    text = rendering.extracted_text_normalize(pdf_text(pdf_path))
    assert "ចំណាត់ថ្នាក់ទី១ ក្នុងចំណោមបេក្ខជន ១ នាក់" in text
    assert student.full_name_km in text
    panel.locator(f"a[href$='/verify/{certificate.code}/']").click()
    page.wait_for_load_state()
    expect(page.locator(".certificate-verdict")).to_be_visible()
    expect(page.locator(".certificate-fields")).to_contain_text("ចំណាត់ថ្នាក់ទី 1")
    screenshot("merit-certificate")
