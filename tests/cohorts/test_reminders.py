"""Reminders: due within 7 days or overdue, once per learner, course and day, in
the learner's language; the trainers' weekly digest, once a week."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from cohorts import services, tasks
from cohorts.models import DigestLog, Membership, ReminderLog
from courses import services as course_services
from tests.cohorts.conftest import TODAY
from tests.factories import UserFactory


def at(day: date):
    return time_machine.travel(datetime.combine(day, time(8), UTC), tick=False)


@pytest.fixture
def due_cohort(cohort, courses, trainer, django_capture_on_commit_callbacks):
    people = {
        "km": UserFactory(email="km@example.org", preferred_language="km"),
        "en": UserFactory(
            email="en@example.org", preferred_language="en", full_name_latin="EN One"
        ),
        "done": UserFactory(email="done@example.org"),
    }
    for user in people.values():
        Membership.objects.create(cohort=cohort, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_set(
            cohort=cohort,
            course=courses["check"],
            due_date=TODAY + timedelta(days=5),
            assigned_by=trainer,
        )
        services.assignment_set(
            cohort=cohort,
            course=courses["safe"],
            due_date=TODAY + timedelta(days=20),
            assigned_by=trainer,
        )
    for lesson in courses["check_lessons"]:
        course_services.lesson_complete(user=people["done"], lesson=lesson)
    return people


def reminders_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_reminders_are_sent_once_per_learner_course_and_day(due_cohort, courses):
    with at(TODAY):
        assert tasks.reminders_send.delay().get() == 2
        # A second beat run the same day sends nothing.
        assert tasks.reminders_send.delay().get() == 0
    assert len(mail.outbox) == 2
    assert not reminders_to("done@example.org")
    english = reminders_to("en@example.org")[0]
    assert english.extra_headers["Content-Language"] == "en"
    assert "Reminder: your required training" in english.subject
    assert "Check before you share" in english.body
    assert "in 5 days" in english.body
    # The course due in 20 days is outside the window.
    assert "Staying safe online" not in english.body
    khmer = reminders_to("km@example.org")[0]
    assert khmer.extra_headers["Content-Language"] == "km"
    assert "ពិនិត្យមុនចែករំលែក" in khmer.body
    assert ReminderLog.objects.count() == 2

    # The next day, and once overdue, they are reminded again (once a day).
    with at(TODAY + timedelta(days=1)):
        assert services.reminders_send() == 2
        assert services.reminders_send() == 0
    with at(TODAY + timedelta(days=6)):
        assert services.reminders_send() == 2
    overdue = reminders_to("en@example.org")[-1]
    assert "overdue" in overdue.body
    assert len(mail.outbox) == 6


def test_a_reminder_that_fails_to_send_is_sent_next_run(due_cohort, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    original = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("SMTP down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with at(TODAY), pytest.raises(OSError):
        services.reminders_send()
    # Nothing was logged for the failed e-mail, so the next run sends it.
    with at(TODAY):
        assert services.reminders_send() >= 1
    assert ReminderLog.objects.filter(date=TODAY).count() == 2


def test_trainer_digest_once_a_week(due_cohort, trainer):
    monday = TODAY - timedelta(days=TODAY.weekday())
    with at(monday):
        assert tasks.trainer_digests_send.delay().get() == 1
        assert services.trainer_digests_send() == 0
    with at(monday + timedelta(days=3)):
        assert services.trainer_digests_send() == 0
    digest = mail.outbox[-1]
    assert digest.to == [trainer.email]
    assert digest.extra_headers["Content-Language"] == "en"
    assert "Test cohort" in digest.body
    assert "3 learners, 2 required courses" in digest.body
    with at(monday + timedelta(days=7)):
        assert services.trainer_digests_send() == 1
    assert DigestLog.objects.count() == 2
