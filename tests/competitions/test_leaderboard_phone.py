"""The published leaderboard on a 360 px phone: its tables scroll in their own box,
the page itself never scrolls sideways (it was 440 px wide before the tables were
wrapped in ``.table-scroll``)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from competitions import services
from tests.competitions.conftest import make_student, sit
from tests.e2e.conftest import ARTIFACTS, browser, demo_site  # noqa: F401
from tests.factories import DEFAULT_PASSWORD, InstitutionFactory, UserFactory

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "km-KH"}

# Long names, as real ones are: they make the table wider than the phone.
INSTITUTIONS = [
    ("សាកលវិទ្យាល័យភូមិន្ទភ្នំពេញ", "Royal University of Phnom Penh"),
    ("វិទ្យាស្ថានបច្ចេកវិទ្យាកម្ពុជា", "Institute of Technology of Cambodia"),
]
CONTESTANTS = [
    ("ចាន់មុនីរតនៈ សុខាវត្តី", "CHANMONYRATHANAK Sokhavatey", 0, 5),
    ("ហេង វិចិត្រសុវណ្ណារ៉ា", "HENG Vichetsovannara", 1, 4),
    ("លី ស្រីនិចសុភាព", "LY Sreynichsopheap", 0, 3),
    ("សុខ ពិសិដ្ឋបញ្ញា", "SOK Pisethpanha", 1, 2),
]


@pytest.fixture
def published(demo_site, contest):  # noqa: F811
    """The contest, four contestants from two universities, results published."""
    institutions = [
        InstitutionFactory(
            code=f"uni-{index}", name_km=km, name_en=en, kind="university"
        )
        for index, (km, en) in enumerate(INSTITUTIONS)
    ]
    # Started minutes ago: tasks queued on commit (this test commits) would close
    # a sitting whose time ran out before now.
    start = timezone.now() - timedelta(minutes=10)
    students = []
    for number, (name_km, name_latin, institution, right) in enumerate(CONTESTANTS):
        student = make_student(
            institution=institutions[institution],
            email=f"contestant{number}@example.org",
            full_name_km=name_km,
            full_name_latin=name_latin,
        )
        sit(contest, student, right=right, start=start, minutes=6 + number)
        students.append(student)
    organiser = UserFactory(roles=["Editor"])
    services.contest_sitting_close(contest=contest, organiser=organiser)
    services.contest_results_publish(contest=contest, organiser=organiser)
    return contest, students


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_published_leaderboard_fits_a_360_px_phone(
    live_server,
    published,
    browser,  # noqa: F811
):
    contest, students = published
    context = browser.new_context(**PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/km/accounts/login/")
        page.locator("input[name=login]").fill(students[0].email)
        page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
        page.locator("form:has(input[name=password]) [type=submit]").click()
        page.wait_for_load_state()

        folder = ARTIFACTS / "leaderboard-phone-360"
        folder.mkdir(parents=True, exist_ok=True)
        for language in ("km", "en"):
            page.goto(
                f"{live_server.url}/{language}/competitions/{contest.slug}/results/"
            )
            expect(page.locator(".my-result")).to_be_visible()
            boards = page.locator(".leaderboard")
            # The overall board, and one per institution once their boxes are open.
            page.locator("details.institution-board").evaluate_all(
                "boards => boards.forEach(board => { board.open = true; })"
            )
            expect(boards).to_have_count(1 + len(INSTITUTIONS))
            expect(boards.first).to_contain_text(
                students[0].full_name_km
                if language == "km"
                else students[0].full_name_latin
            )
            page.screenshot(path=folder / f"results-{language}.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"/{language}/ results page is {width} px wide"
    finally:
        context.close()
