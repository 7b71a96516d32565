"""Build the demo site: home pages in Khmer and English, the DMIL framework, the
demo courses, quizzes, certificate template, competition and cohort, and one
account per role. Safe to run again: what exists is left as it is."""

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.selectors import user_requires_mfa
from assessments.demo import demo_quizzes_load
from certificates.demo import (
    demo_certificate_templates_load,
    demo_contest_templates_load,
)
from cohorts.demo import demo_cohorts_load
from competencies.services import framework_load_default
from competitions.demo import demo_competitions_load
from courses.demo import demo_courses_load
from lms.demo_content import DEMO_ACCOUNTS, DEMO_PASSWORD
from lms.services import demo_account_ensure, site_home_ensure
from lms.setup import is_production

DISCARD_EMAIL = "django.core.mail.backends.dummy.EmailBackend"


class Command(BaseCommand):
    help = (
        "Create the demo site (home pages in km and en, the default competency "
        "framework, demo courses, quizzes, certificates, competition and cohort, one "
        "account per role). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with production settings (a staging copy, say).",
        )

    def handle(self, *args, force, **options):
        # The demo accounts share a password printed in the README: on a real
        # site they would be open doors.
        if is_production() and not force:
            raise CommandError(
                "seed_demo creates accounts whose password is published: it does not "
                "run with production settings. Start a site with `manage.py "
                "sala_setup`; give --force only for a throwaway copy."
            )
        # The demo people are fictional: the e-mails their demo activity triggers
        # (certificates issued, for instance) go nowhere.
        with override_settings(EMAIL_BACKEND=DISCARD_EMAIL):
            home = site_home_ensure()
            framework = framework_load_default()
            courses = demo_courses_load(home_km=home)
            quizzes = demo_quizzes_load()
            demo_certificate_templates_load()
            contest = demo_competitions_load(password=DEMO_PASSWORD)
            demo_contest_templates_load(contest)
            users = []
            for account in DEMO_ACCOUNTS:
                user, _created = demo_account_ensure(password=DEMO_PASSWORD, **account)
                users.append((user, account["role"]))
            # After the trainer and the learner exist: the cohort is theirs.
            cohort = demo_cohorts_load(password=DEMO_PASSWORD)

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo site ready: home page {home.title!r} (km) and its English "
                f"translation, the {framework.code} framework, {len(courses)} "
                f"courses, {len(quizzes)} quizzes, certificate templates, the "
                f"competition {contest.title_en!r}, the cohort {cohort.name_en!r} "
                f"({cohort.memberships.count()} learners), {len(users)} demo accounts."
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        width = max(len(user.email) for user, _role in users)
        for user, role in users:
            note = "  sets up TOTP at first login" if user_requires_mfa(user) else ""
            self.stdout.write(f"  {user.email:<{width}}  {role:<13}{note}".rstrip())
        self.stdout.write(
            "Trainers, editors and administrators must set up two-factor login with "
            "an authenticator app (Aegis, FreeOTP, Google Authenticator...) the first "
            "time they log in; learners log in with the password only."
        )
        sample = cohort.memberships.exclude(user__email__endswith="@sala.demo").first()
        if sample is not None:
            self.stdout.write(
                f"The trainer's cohort has more learners, e.g. {sample.user.email}, "
                "with the same password."
            )
