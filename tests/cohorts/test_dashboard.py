"""The dashboards: statuses, heatmap, at-risk list, drill-down, roll-up, My learning,
and a fixed number of queries whatever the size of the cohort."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from assessments import services as assessment_services
from cohorts import selectors, services
from cohorts.models import Assignment
from courses import services as course_services
from courses.models import Enrolment, LessonCompletion
from tests.assessments.conftest import right_answers
from tests.cohorts.conftest import TODAY, add_learners, bulk_learners
from tests.factories import UserFactory


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def assign(cohort, course, due, trainer):
    return services.assignment_set(
        cohort=cohort, course=course, due_date=due, assigned_by=trainer
    )


@pytest.fixture
def progress_cohort(cohort, courses, trainer, django_capture_on_commit_callbacks):
    """Four learners: one finished 'safe', one half-way, one idle, one who failed
    the quiz; 'safe' is overdue, 'check' due in five days."""
    done, halfway, idle, failed = add_learners(cohort, 4)
    done.full_name_latin, halfway.full_name_latin = "A DONE", "B HALFWAY"
    idle.full_name_latin, failed.full_name_latin = "C IDLE", "D FAILED"
    for user in (done, halfway, idle, failed):
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        assign(cohort, courses["safe"], TODAY - timedelta(days=2), trainer)
        assign(cohort, courses["check"], TODAY + timedelta(days=5), trainer)
    quiz = courses["quiz"]
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in courses["safe_lessons"]:
            course_services.lesson_complete(user=done, lesson=lesson)
        attempt = assessment_services.attempt_start(user=done, quiz=quiz)
        assessment_services.responses_save(
            attempt_id=attempt.pk,
            user=done,
            data=right_answers(courses["questions"]),
        )
        assessment_services.attempt_submit(attempt_id=attempt.pk, user=done)
        course_services.lesson_complete(user=halfway, lesson=courses["safe_lessons"][0])
        course_services.lesson_complete(
            user=halfway, lesson=courses["check_lessons"][0]
        )
        attempt = assessment_services.attempt_start(user=failed, quiz=quiz)
        assessment_services.attempt_submit(attempt_id=attempt.pk, user=failed)
    return {"done": done, "halfway": halfway, "idle": idle, "failed": failed}


def statuses(dashboard):
    return {
        row.user.full_name_latin: [cell.status for cell in row.cells]
        for row in dashboard.rows
    }


def test_progress_statuses_and_percentages(cohort, progress_cohort):
    dashboard = selectors.cohort_dashboard(cohort=cohort, today=TODAY)
    assert statuses(dashboard) == {
        "A DONE": ["completed", "not_started"],
        "B HALFWAY": ["overdue", "in_progress"],
        "C IDLE": ["overdue", "not_started"],
        "D FAILED": ["overdue", "not_started"],
    }
    halfway = next(r for r in dashboard.rows if r.user.full_name_latin == "B HALFWAY")
    # 'safe' has 3 lessons and a quiz: 1 of 4 requirements; 'check' 1 of 2.
    assert [cell.percent for cell in halfway.cells] == [25, 50]
    assert dashboard.completion_rate == round(100 * 1 / 8)


@translation.override("en")
def test_heatmap_levels_and_at_risk(cohort, progress_cohort, framework):
    dashboard = selectors.cohort_dashboard(cohort=cohort, today=TODAY)
    codes = [c.code for c in dashboard.competences]
    levels = {
        row.user.full_name_latin: dict(zip(codes, row.levels, strict=True))
        for row in dashboard.rows
    }
    assert levels["A DONE"] == {"1.2": None, "4.2": 1}
    assert levels["D FAILED"] == {"1.2": None, "4.2": 0}
    assert levels["C IDLE"] == {"1.2": None, "4.2": None}
    risks = {row.user.full_name_latin: row.risks for row in dashboard.at_risk}
    assert "A DONE" not in risks
    assert any("Below" in risk and "4.2" in risk for risk in risks["D FAILED"])
    assert any("Overdue" in risk for risk in risks["C IDLE"])
    distribution = {d.competence.code: d.counts for d in dashboard.distribution()}
    assert distribution["4.2"] == {1: 1, 0: 1, None: 2}


def test_filters_apply_to_rows_and_columns(cohort, progress_cohort, courses):
    only_check = selectors.filters_from(
        {"course": str(courses["check"].translation_key), "status": "in_progress"}
    )
    dashboard = selectors.cohort_dashboard(
        cohort=cohort, filters=only_check, today=TODAY
    )
    assert [c.course_key for c in dashboard.courses] == [
        courses["check"].translation_key
    ]
    assert statuses(dashboard) == {"B HALFWAY": ["in_progress"]}
    by_name = selectors.filters_from({"q": "idle"})
    dashboard = selectors.cohort_dashboard(cohort=cohort, filters=by_name, today=TODAY)
    assert list(statuses(dashboard)) == ["C IDLE"]
    # A Khmer name typed in the legacy order, with a zero-width space, matches.
    idle = next(r.user for r in dashboard.rows if r.user.full_name_latin == "C IDLE")
    idle.full_name_km = "ស្ត្រី សុខា"
    idle.save(update_fields=["full_name_km"])
    typed = selectors.filters_from({"q": "ស្រ្តី\u200bសុខា"})
    dashboard = selectors.cohort_dashboard(cohort=cohort, filters=typed, today=TODAY)
    assert list(statuses(dashboard)) == ["C IDLE"]
    targeted = selectors.filters_from({"competences": "targeted"})
    assert selectors.filters_from({"status": "nonsense"}).status == ""
    dashboard = selectors.cohort_dashboard(cohort=cohort, filters=targeted, today=TODAY)
    assert sorted(c.code for c in dashboard.competences) == ["1.2", "4.2"]


@time_machine.travel(date(2026, 3, 10), tick=False)
def test_cohort_page_renders_matrix_heatmap_charts(
    client, trainer, cohort, progress_cohort
):
    client.force_login(trainer)
    response = client.get(en("cohorts:cohort", cohort.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A DONE" in html
    assert 'class="status status--overdue"' in html
    # Two charts: statuses by course (2 bars), levels by competence (2 bars).
    assert html.count('<figure class="chart"') == 2
    assert html.count("<svg") == 4
    assert "level--1" in html
    learner = progress_cohort["failed"]
    assert en("cohorts:learner", cohort.pk, learner.pk) in html


def test_learner_drill_down(client, trainer, cohort, progress_cohort):
    client.force_login(trainer)
    learner = progress_cohort["done"]
    response = client.get(f"/en/trainer/cohorts/{cohort.pk}/learners/{learner.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Protecting personal data" in html
    assert response.context["attempts"][0].passed
    # Someone outside the cohort is not found there.
    stranger = UserFactory()
    response = client.get(reverse("cohorts:learner", args=[cohort.pk, stranger.pk]))
    assert response.status_code == 404


def test_dashboard_lists_completion_and_overdue(
    client, trainer, cohort, progress_cohort
):
    summary = selectors.cohort_summaries([cohort], today=TODAY)[0]
    assert (summary.learners, summary.courses) == (4, 2)
    assert summary.completed == 1
    assert summary.overdue == 3
    assert summary.overdue_learners == 3
    client.force_login(trainer)
    response = client.get(reverse("cohorts:dashboard"))
    assert response.status_code == 200
    assert "Test cohort" in response.content.decode() or cohort.name_km in (
        response.content.decode()
    )


def test_rollup_of_an_institution(client, coordinator, cohort, progress_cohort, mptc):
    rollup = selectors.institution_rollup(institution=mptc, today=TODAY)
    assert rollup.totals["required"] == 8
    assert rollup.totals["completed"] == 1
    assert rollup.totals["overdue"] == 3
    client.force_login(coordinator)
    response = client.get(en("cohorts:rollup", "mptc"))
    assert response.status_code == 200
    assert "A DONE" in response.content.decode()


def test_assign_a_course_from_the_page(
    client, trainer, cohort, courses, django_capture_on_commit_callbacks
):
    learners = add_learners(cohort, 2)
    client.force_login(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:assign", args=[cohort.pk]),
            {
                "assign-course": str(courses["check"].translation_key),
                "assign-due_date": "2026-04-30",
            },
        )
    assert response.status_code == 302
    assignment = Assignment.objects.get(cohort=cohort)
    assert assignment.due_date == date(2026, 4, 30)
    from courses.models import Enrolment

    assert (
        Enrolment.objects.filter(
            user__in=learners, source="assigned", course_key=assignment.course_key
        ).count()
        == 2
    )
    # Assigning again moves the due date; the learner cannot leave the course.
    client.post(
        reverse("cohorts:assign", args=[cohort.pk]),
        {
            "assign-course": str(courses["check"].translation_key),
            "assign-due_date": "2026-05-15",
        },
    )
    assignment.refresh_from_db()
    assert assignment.due_date == date(2026, 5, 15)
    with pytest.raises(course_services.CourseError):
        course_services.enrolment_withdraw(user=learners[0], course=courses["check"])


@time_machine.travel(date(2026, 3, 10), tick=False)
def test_my_learning_lists_required_training_with_due_dates(
    client, cohort, progress_cohort
):
    learner = progress_cohort["halfway"]
    client.force_login(learner)
    response = client.get("/en/learning/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Required training" in html
    assert "Overdue" in html
    assert "in 5 days" in html
    items = selectors.required_trainings(user=learner)
    assert [item.status for item in items] == ["overdue", "in_progress"]
    # Learners see no dashboard link; trainers do.
    assert reverse("cohorts:dashboard") not in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(cohort, courses, count, prefix):
    """Learners, a third of them enrolled with a lesson done."""
    users = bulk_learners(cohort, count, prefix=prefix)
    safe, lesson = courses["safe"], courses["safe_lessons"][0]
    Enrolment.objects.bulk_create(
        Enrolment(user=u, course_key=safe.translation_key, source="assigned")
        for u in users[::3]
    )
    LessonCompletion.objects.bulk_create(
        LessonCompletion(
            user=u, lesson_key=lesson.translation_key, course_key=safe.translation_key
        )
        for u in users[::3]
    )


@pytest.mark.parametrize(
    "name",
    [
        "cohort",
        "progress.csv",
        "progress.xlsx",
        "heatmap.csv",
        "heatmap.xlsx",
        "rollup",
        "rollup.xlsx",
        "dashboard",
        "my_learning",
    ],
)
def test_query_count_does_not_grow_with_the_cohort(
    client, settings, trainer, coordinator, cohort, courses, name
):
    settings.COHORTS_EXPORT_SYNC_LIMIT = 100_000
    assign(cohort, courses["safe"], TODAY, trainer)
    assign(cohort, courses["check"], TODAY + timedelta(days=9), trainer)
    urls = {
        "cohort": reverse("cohorts:cohort", args=[cohort.pk]),
        "progress.csv": reverse("cohorts:export", args=[cohort.pk, "progress", "csv"]),
        "progress.xlsx": reverse(
            "cohorts:export", args=[cohort.pk, "progress", "xlsx"]
        ),
        "heatmap.csv": reverse("cohorts:export", args=[cohort.pk, "heatmap", "csv"]),
        "heatmap.xlsx": reverse("cohorts:export", args=[cohort.pk, "heatmap", "xlsx"]),
        "rollup": reverse("cohorts:rollup", args=["mptc"]),
        "rollup.xlsx": reverse("cohorts:rollup_export", args=["mptc", "xlsx"]),
        "dashboard": reverse("cohorts:dashboard"),
        "my_learning": reverse("courses:my_learning"),
    }
    viewer = coordinator if name.startswith("rollup") else trainer
    _grow(cohort, courses, 10, "small")
    if name == "my_learning":
        viewer = cohort.memberships.first().user
    client.force_login(viewer)
    client.get(urls[name])  # warm caches (content types, sites)
    small = _queries(client, urls[name])
    _grow(cohort, courses, 990, "large")
    large = _queries(client, urls[name])
    assert small == large, (name, small, large)
