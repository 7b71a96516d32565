"""The screens people use, driven in a real browser on the seeded demo: each page
opened as its person (learner, student, trainer, organiser), at phone and laptop
width, in Khmer and English; a screenshot of each, and whether the page fits its
width (``scrollWidth`` no wider than the viewport) and answered 200.

Used by ``manage.py screenshots`` (``make screenshots``) to refresh the README's
pictures, and by the browser tests, so a page that breaks or overflows a phone
fails CI. Needs the demo content (``seed_demo``) and Playwright with a Chromium.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse
from django.utils import translation

# Debian's Chromium, headless, with nothing that reaches out of this machine.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = (360, 740)
LAPTOP = (1366, 768)
LANGUAGES = ("km", "en")
# The pictures the README shows (name, language, width).
README_SHOTS = [
    ("course", "km", PHONE[0]),
    ("quiz", "km", PHONE[0]),
    ("profile", "en", LAPTOP[0]),
    ("verification", "km", PHONE[0]),
    ("cohort", "en", LAPTOP[0]),
    ("organiser-results", "en", LAPTOP[0]),
]


@dataclass(frozen=True)
class Screen:
    name: str
    email: str  # whose session opens it ("" for the public)
    path: str
    # Admin screens follow Wagtail's layout: checked for errors, not for width.
    layout_checked: bool = True


@dataclass
class Shot:
    screen: Screen
    language: str
    width: int
    status: int
    scroll_width: int
    file: Path | None
    # Tables wider than their scrolling box (columns hidden until scrolled).
    clipped_tables: int = 0
    # Icons (inline SVG) drawn larger than 64 px (the largest Wagtail draws): an
    # icon left without its size.
    big_icons: int = 0
    # What the Content-Security-Policy blocked (directive and what it blocked).
    csp_violations: tuple[str, ...] = ()

    @property
    def fits(self) -> bool:
        if not self.screen.layout_checked:
            return True
        return self.scroll_width <= self.width and not self.big_icons

    @property
    def ok(self) -> bool:
        # On a laptop the trainer dashboard shows every column without scrolling.
        whole = not (
            self.screen.name == "trainer-dashboard"
            and self.width >= LAPTOP[0]
            and self.clipped_tables
        )
        return self.status == 200 and self.fits and whole and not self.csp_violations

    def __str__(self):
        return (
            f"{self.screen.name:22} {self.language} {self.width:>4}px  "
            f"HTTP {self.status}  scrollWidth {self.scroll_width}"
            + ("" if self.fits else "  TOO WIDE")
            + (f"  {self.big_icons} OVERSIZED ICON(S)" if self.big_icons else "")
            + (
                f"  {self.clipped_tables} table(s) scroll"
                if self.clipped_tables
                else ""
            )
            + "".join(f"  CSP BLOCKED {v}" for v in self.csp_violations)
        )


def demo_screens(language: str) -> list[Screen]:
    """The demo's pages in ``language``, as ``seed_demo`` leaves them."""
    from assessments.models import Attempt, QuizPage
    from certificates.models import Certificate
    from cohorts.models import Cohort
    from competitions.models import Contest
    from courses.models import CoursePage, LessonPage

    learner, student = "learner@sala.demo", "student@sala.demo"
    trainer, editor = "trainer@sala.demo", "editor@sala.demo"
    screens = [
        Screen("home", "", f"/{language}/"),
        Screen("login", "", f"/{language}/accounts/login/"),
        Screen("signup", "", f"/{language}/accounts/signup/"),
    ]
    with translation.override(language):
        screens.append(Screen("search", "", reverse("search") + "?q=password"))
        course = (
            CoursePage.objects.live()
            .filter(locale__language_code=language)
            .order_by("path")
            .first()
        )
        if course is not None:
            screens.append(Screen("course", learner, course.url))
            lesson = LessonPage.objects.live().child_of(course).first()
            if lesson is not None:
                screens.append(Screen("lesson", learner, lesson.url))
            quiz = QuizPage.objects.live().descendant_of(course).first()
            if quiz is not None:
                screens.append(Screen("quiz", learner, quiz.url))
        attempt = (
            Attempt.objects.filter(user__email=learner, status=Attempt.Status.SUBMITTED)
            .order_by("-pk")
            .first()
        )
        if attempt is not None:
            screens.append(
                Screen(
                    "quiz-result",
                    learner,
                    reverse("assessments:result", args=[attempt.pk]),
                )
            )
        screens += [
            Screen("my-learning", learner, reverse("courses:my_learning")),
            Screen("profile", learner, reverse("assessments:profile")),
            Screen("my-certificates", learner, reverse("certificates:mine")),
            Screen("framework", "", reverse("competencies:framework")),
        ]
        certificate = Certificate.objects.order_by("pk").first()
        if certificate is not None:
            screens.append(
                Screen(
                    "verification",
                    "",
                    reverse("certificates:detail", args=[certificate.code]),
                )
            )
        contest = Contest.objects.order_by("pk").first()
        if contest is not None:
            screens.append(
                Screen("competitions", student, reverse("competitions:list"))
            )
            screens.append(
                Screen(
                    "competition",
                    student,
                    reverse("competitions:detail", args=[contest.slug]),
                )
            )
        screens.append(
            Screen("trainer-dashboard", trainer, reverse("cohorts:dashboard"))
        )
        cohort = Cohort.objects.order_by("pk").first()
        if cohort is not None:
            screens.append(
                Screen("cohort", trainer, reverse("cohorts:cohort", args=[cohort.pk]))
            )
            member = cohort.memberships.order_by("pk").first()
            if member is not None:
                screens.append(
                    Screen(
                        "cohort-learner",
                        trainer,
                        reverse("cohorts:learner", args=[cohort.pk, member.user_id]),
                    )
                )
        screens.append(Screen("import", trainer, reverse("cohorts:import_start")))
        preview = _import_preview(trainer)
        if preview is not None:
            screens.append(
                Screen(
                    "import-preview", trainer, reverse("cohorts:import", args=[preview])
                )
            )
    if contest is not None:
        for name, url_name in (
            ("organiser-results", "competitions_admin_results"),
            ("organiser-registrations", "competitions_admin_registrations"),
            ("organiser-analysis", "competitions_admin_analysis"),
            ("organiser-audit", "competitions_admin_audit"),
        ):
            screens.append(Screen(name, editor, reverse(url_name, args=[contest.pk])))
    return screens + _admin_screens(editor, course=course, contest=contest)


def _admin_screens(editor: str, *, course, contest) -> list[Screen]:
    """Wagtail admin pages with inline panels, date widgets and rich text: the
    ones whose scripts the Content-Security-Policy must let run."""
    from assessments.models import Question

    question = Question.objects.filter(kind="single").order_by("pk").first()
    pages = [
        ("admin-dashboard", "wagtailadmin_home", None),
        ("admin-course-edit", "wagtailadmin_pages:edit", course),
        ("admin-question-edit", "wagtailsnippets_assessments_question:edit", question),
        ("admin-contest-edit", "wagtailsnippets_competitions_contest:edit", contest),
    ]
    return [
        Screen(
            name,
            editor,
            reverse(url_name, args=[obj.pk] if obj else []),
            layout_checked=False,
        )
        for name, url_name, obj in pages
        if obj is not None or name == "admin-dashboard"
    ]


def _import_preview(email: str) -> int | None:
    """The trainer's latest enrolment import, or a dry run of the sample file
    (nothing is enrolled until it is applied)."""
    from accounts.models import User
    from cohorts.models import ImportJob
    from cohorts.services import import_job_create
    from cohorts.views import SAMPLE_FILE

    user = User.objects.filter(email=email).first()
    if user is None:
        return None
    job = ImportJob.objects.filter(created_by=user).order_by("-pk").first()
    if job is None:
        job = import_job_create(
            user=user,
            filename=SAMPLE_FILE.name,
            data=SAMPLE_FILE.read_bytes(),
            base_url="http://127.0.0.1",
        )
    return job.pk


def session_cookie(email: str) -> str:
    """A session of the demo account ``email``, opened without its password; a
    staff account gets an authenticator first, as it must have one."""
    from importlib import import_module

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from accounts.selectors import user_requires_mfa

    user = User.objects.get(email=email)
    if (
        user_requires_mfa(user)
        and not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
    ):
        TOTP.activate(user, generate_totp_secret())
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def capture(
    *,
    base_url: str,
    out_dir: Path | None = None,
    widths=(PHONE, LAPTOP),
    languages=LANGUAGES,
    only: set[str] | None = None,
) -> list[Shot]:
    """Open every demo screen at each width and language; a PNG of each in
    ``out_dir`` (none when it is None)."""
    from playwright.sync_api import sync_playwright

    base_url = base_url.rstrip("/")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    # Read the database before the browser starts: Playwright runs an event loop,
    # in which Django refuses queries.
    plan = {
        language: [s for s in demo_screens(language) if only is None or s.name in only]
        for language in languages
    }
    emails = {s.email for screens in plan.values() for s in screens if s.email}
    cookies = {email: session_cookie(email) for email in sorted(emails)}
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for language, screens in plan.items():
                for width, height in widths:
                    contexts = {}
                    for screen in screens:
                        context = contexts.get(screen.email)
                        if context is None:
                            context = browser.new_context(
                                viewport={"width": width, "height": height},
                                locale="km-KH" if language == "km" else "en-GB",
                                device_scale_factor=1,
                            )
                            if screen.email:
                                context.add_cookies(
                                    [
                                        {
                                            "name": settings.SESSION_COOKIE_NAME,
                                            "value": cookies[screen.email],
                                            "url": base_url,
                                        }
                                    ]
                                )
                            context.add_init_script(CSP_LISTENER)
                            contexts[screen.email] = context
                        shots.append(
                            _shoot(context, base_url, screen, language, width, out_dir)
                        )
                    for context in contexts.values():
                        context.close()
        finally:
            browser.close()
    return shots


# Collects what the Content-Security-Policy blocks on a page.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.effectiveDirective + " " + (e.blockedURI || "inline"));
});
"""


def _shoot(context, base_url, screen, language, width, out_dir) -> Shot:
    page = context.new_page()
    try:
        response = page.goto(base_url + screen.path, wait_until="load")
        page.evaluate("document.fonts.ready")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        clipped_tables = page.evaluate(
            "[...document.querySelectorAll('.table-scroll')]"
            ".filter(b => b.scrollWidth > b.clientWidth + 1).length"
        )
        big_icons = page.evaluate(
            "[...document.querySelectorAll('svg.icon')]"
            ".filter(i => i.getBoundingClientRect().width > 64).length"
        )
        csp_violations = tuple(page.evaluate("window.__cspViolations || []"))
        file = None
        if out_dir is not None:
            file = out_dir / f"{screen.name}-{language}-{width}.png"
            # The whole page, down to 1,600 px: enough to show a table or a chart.
            height = min(page.evaluate("document.documentElement.scrollHeight"), 1600)
            page.screenshot(
                path=str(file),
                full_page=True,
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
        return Shot(
            screen=screen,
            language=language,
            width=width,
            status=response.status if response else 0,
            scroll_width=scroll_width,
            file=file,
            big_icons=big_icons,
            clipped_tables=clipped_tables,
            csp_violations=csp_violations,
        )
    finally:
        page.close()
