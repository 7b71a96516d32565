"""How long, and how much memory, a large cohort's page and XLSX export take.

    .venv/bin/python bench/cohorts.py                       # 2,000 x 5 x 30
    .venv/bin/python bench/cohorts.py --learners 500 --repeat 5
    .venv/bin/python bench/cohorts.py \\
        --database-url postgres://postgres@127.0.0.1:5432/sala_bench_cohorts

It builds a throw-away database (SQLite in a temporary folder unless
--database-url is given; a PostgreSQL database is created when missing), migrates
it, and adds a framework of 30 competences (6 clusters of 5, 3 levels), 5
bilingual courses of 4 lessons each, a cohort of --learners learners assigned the
5 courses (a quarter done, a quarter half-way, the rest not started, some
overdue), and two quiz attempts per learner with results on 20 competences.

Then, through the test client as the cohort's trainer, it prints for
1. the cohort page (progress matrix, heatmap, both charts, at-risk list) and
2. the progress matrix exported as XLSX,
the median time over --repeat runs, the number of queries, and the peak memory
Python allocated during one more run (tracemalloc; timed runs are separate,
since tracing slows Python down).

Figures only; nothing is asserted about time.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--courses", type=int, default=5)
    parser.add_argument("--competences", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def setup(database_url: str, workdir: Path):
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    os.environ["DATABASE_URL"] = database_url or (
        f"sqlite:///{workdir / 'bench.sqlite3'}?timeout=60"
    )
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = workdir / "media"
    # Pages large enough to matter are exported in the request for this bench.
    settings.COHORTS_EXPORT_SYNC_LIMIT = 10**9
    settings.ALLOWED_HOSTS = ["testserver"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        _create_postgres_database(settings.DATABASES["default"])
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_postgres_database(db):
    import psycopg

    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{db["NAME"]}"')


def _framework(competence_count):
    from competencies.models import Area, Competence, Framework, ProficiencyLevel

    run = time.strftime("%H%M%S")
    Framework.objects.update(is_default=False)
    framework = Framework.objects.create(
        code=f"bench-{run}", name_en="Bench", name_km="សាកល្បង", is_default=True
    )
    for rank, name in enumerate(["Basic", "Intermediate", "Advanced"], start=1):
        ProficiencyLevel.objects.create(
            framework=framework, code=f"L{rank}", rank=rank, name_en=name, name_km=name
        )
    competences = []
    areas = max(1, competence_count // 5)
    for area_number in range(1, areas + 1):
        area = Area.objects.create(
            framework=framework,
            code=str(area_number),
            sort_order=area_number,
            name_en=f"Cluster {area_number}",
            name_km=f"ចង្កោម {area_number}",
        )
        for number in range(1, 6):
            if len(competences) == competence_count:
                break
            competences.append(
                Competence.objects.create(
                    area=area,
                    code=f"{area_number}.{number}",
                    sort_order=number,
                    name_en=f"Competence {area_number}.{number}",
                    name_km=f"សមត្ថភាព {area_number}.{number}",
                )
            )
    return framework, competences


def _courses(framework, competences, count):
    from wagtail.models import Locale

    from courses.demo import catalogue_ensure
    from courses.models import CourseCompetence, CoursePage, LessonPage
    from lms.services import site_home_ensure

    home = site_home_ensure()
    en = Locale.objects.get(language_code="en")
    index = catalogue_ensure(home_km=home, locale_en=en)
    level = framework.levels.get(rank=1)
    run = time.strftime("%H%M%S")
    courses = []
    for number in range(count):
        course = CoursePage(
            title=f"វគ្គ {number}",
            slug=f"bench-{run}-{number}",
            summary="<p>សាកល្បង</p>",
        )
        course.competence_targets.add(
            CourseCompetence(competence=competences[number * 2], level=level)
        )
        index.add_child(instance=course)
        course.save_revision().publish()
        lessons = []
        for lesson_number in range(4):
            lesson = LessonPage(
                title=f"មេរៀន {lesson_number}",
                slug=f"lesson-{lesson_number}",
                body=[("paragraph", "<p>សាកល្បង</p>")],
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
            lessons.append(LessonPage.objects.get(pk=lesson.pk))
        courses.append((CoursePage.objects.get(pk=course.pk), lessons))
    return courses


def seed(learner_count, course_count, competence_count):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from accounts import roles
    from accounts.models import Institution, User
    from accounts.services import user_role_set
    from assessments.models import Attempt, CompetenceResult, QuizPage
    from cohorts.models import Assignment, Cohort, Membership
    from courses.models import Enrolment, LessonCompletion

    framework, competences = _framework(competence_count)
    courses = _courses(framework, competences, course_count)
    run = time.strftime("%H%M%S")
    trainer = User.objects.create_user(
        email=f"bench-trainer-{run}@example.org", password="bench-pass-2026"
    )
    user_role_set(user=trainer, role=roles.TRAINER)
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(trainer, "JBSWY3DPEHPK3PXPJBSWY3DP")
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        name_km="ក្រុមធំ",
        name_en="Large cohort",
        code=f"bench-{run}",
        institution=Institution.objects.get(code="mptc"),
        start_date=today - timedelta(days=60),
    )
    cohort.trainers.add(trainer)
    User.objects.bulk_create(
        User(
            email=f"bench-{run}-{n}@example.org",
            full_name_km=f"សុខ ដារ៉ា {n}",
            full_name_latin=f"SOK Dara {n}",
            password="!",
        )
        for n in range(learner_count)
    )
    learners = list(
        User.objects.filter(email__startswith=f"bench-{run}-").order_by("pk")
    )
    Membership.objects.bulk_create(Membership(cohort=cohort, user=u) for u in learners)
    for number, (course, _lessons) in enumerate(courses):
        Assignment.objects.create(
            cohort=cohort,
            course_key=course.translation_key,
            due_date=today + timedelta(days=10 * number - 15),
        )
    enrolments, completions = [], []
    for index, user in enumerate(learners):
        for course, lessons in courses:
            stage = (index + course.pk) % 4
            enrolments.append(
                Enrolment(
                    user=user,
                    course_key=course.translation_key,
                    source="assigned",
                    status="completed" if stage == 0 else "active",
                    completed_at=timezone.now() if stage == 0 else None,
                )
            )
            done = {0: 4, 1: 2}.get(stage, 0)
            completions.extend(
                LessonCompletion(
                    user=user,
                    lesson_key=lesson.translation_key,
                    course_key=course.translation_key,
                )
                for lesson in lessons[:done]
            )
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    LessonCompletion.objects.bulk_create(completions, batch_size=2000)
    first_course = courses[0][0]
    quiz = QuizPage(title="តេស្ត", slug="quiz")
    first_course.add_child(instance=quiz)
    quiz.save_revision().publish()
    attempts = []
    for user in learners:
        for number in (1, 2):
            attempts.append(
                Attempt(
                    user=user,
                    quiz=quiz,
                    quiz_key=quiz.translation_key,
                    course_key=first_course.translation_key,
                    number=number,
                    status="submitted",
                    submitted_at=timezone.now(),
                    percent=Decimal(40 * number),
                    passed=number == 2,
                )
            )
    Attempt.objects.bulk_create(attempts, batch_size=2000)
    attempts = Attempt.objects.filter(quiz=quiz).values_list("pk", "user_id", "number")
    results = []
    for attempt_id, user_id, number in attempts:
        for offset, competence in enumerate(competences[:20]):
            results.append(
                CompetenceResult(
                    attempt_id=attempt_id,
                    user_id=user_id,
                    competence=competence,
                    earned=Decimal(1),
                    possible=Decimal(2),
                    level_rank=(user_id + offset + number) % 4,
                    levels={},
                )
            )
    CompetenceResult.objects.bulk_create(results, batch_size=5000)
    return trainer, cohort


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    size = 0
    queries = 0
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
        queries = len(captured)
    tracemalloc.start()
    client.get(url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), queries, peak, size


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup(args.database_url, Path(workdir))
        started = time.perf_counter()
        trainer, cohort = seed(args.learners, args.courses, args.competences)
        print(
            f"Seeded {args.learners} learners x {args.courses} courses x "
            f"{args.competences} competences in {time.perf_counter() - started:.1f} s"
        )
        from django.test import Client
        from django.urls import reverse
        from django.utils import translation

        client = Client()
        client.force_login(trainer)
        with translation.override("en"):
            urls = {
                "cohort page": reverse("cohorts:cohort", args=[cohort.pk]),
                "progress XLSX": reverse(
                    "cohorts:export", args=[cohort.pk, "progress", "xlsx"]
                ),
                "heatmap XLSX": reverse(
                    "cohorts:export", args=[cohort.pk, "heatmap", "xlsx"]
                ),
            }
        client.get(urls["cohort page"])  # warm up: templates, content types
        print(f"{'':16}{'median':>10}{'queries':>9}{'peak memory':>14}{'size':>12}")
        for name, url in urls.items():
            seconds, queries, peak, size = measure(client, url, args.repeat)
            print(
                f"{name:16}{seconds:>9.2f}s{queries:>9}"
                f"{peak / 2**20:>11.1f} MiB{size / 2**10:>9.0f} KiB"
            )


if __name__ == "__main__":
    main()
