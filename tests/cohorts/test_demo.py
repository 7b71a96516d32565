"""The demo cohort: varied progress, idempotent, and the shipped sample file
imports into it."""

from collections import Counter

from cohorts import selectors, services
from cohorts.demo import COHORT, demo_cohorts_load
from cohorts.models import Cohort, JobStatus, Membership
from cohorts.views import SAMPLE_FILE
from tests.cohorts.conftest import TODAY
from tests.factories import UserFactory


def test_demo_cohort_without_courses(db):
    cohort = demo_cohorts_load(today=TODAY)
    assert cohort.code == COHORT["code"]
    assert Membership.objects.filter(cohort=cohort).count() == 12
    assert not cohort.assignments.exists()


def test_demo_cohort_with_varied_progress_is_idempotent(
    courses, mptc, django_capture_on_commit_callbacks
):
    trainer = UserFactory(email="trainer@sala.demo", roles=["Trainer"], mfa=True)
    UserFactory(email="learner@sala.demo", institution=mptc)
    with django_capture_on_commit_callbacks(execute=True):
        cohort = demo_cohorts_load(password="sala-demo-2026", today=TODAY)
    assert list(cohort.trainers.all()) == [trainer]
    assert Membership.objects.filter(cohort=cohort).count() == 13
    dashboard = selectors.cohort_dashboard(cohort=cohort, today=TODAY)
    statuses = Counter(cell.status for row in dashboard.rows for cell in row.cells)
    assert set(statuses) == {"completed", "in_progress", "not_started", "overdue"}
    levels = {level for row in dashboard.rows for level in row.levels}
    assert {0, 1} <= levels
    assert dashboard.at_risk
    before = (
        statuses,
        Membership.objects.count(),
        cohort.assignments.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        demo_cohorts_load(password="sala-demo-2026", today=TODAY)
    again = selectors.cohort_dashboard(cohort=cohort, today=TODAY)
    assert (
        Counter(cell.status for row in again.rows for cell in row.cells),
        Membership.objects.count(),
        cohort.assignments.count(),
    ) == before
    assert Cohort.objects.count() == 1

    # The sample file shipped in the repository imports into the demo cohort.
    job = services.import_job_create(
        user=trainer,
        filename=SAMPLE_FILE.name,
        data=SAMPLE_FILE.read_bytes(),
        base_url="http://testserver",
    )
    assert job.status == JobStatus.READY, job.errors
    assert job.summary == {"create": 8, "update": 0, "skip": 1}
