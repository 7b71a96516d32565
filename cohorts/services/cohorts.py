"""Cohorts, their required training and the enrolments it implies; coordinators."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import Institution, User
from cohorts.models import Assignment, Cohort, Coordinator, Membership
from cohorts.services.follow_up import follow_up
from courses.models import CoursePage, Enrolment
from courses.services import CourseError, enrolment_create


class CohortError(Exception):
    """A refused change; the message is shown to the person who asked for it."""


def _check_dates(start_date: date, end_date: date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise CohortError(_("The end date must not be before the start date."))


@transaction.atomic
def cohort_create(
    *,
    name_km: str,
    name_en: str,
    code: str,
    institution: Institution,
    start_date: date,
    end_date: date | None = None,
    trainers: list[User] | tuple = (),
) -> Cohort:
    _check_dates(start_date, end_date)
    if Cohort.objects.filter(code=code).exists():
        raise CohortError(_("Another cohort already uses this code."))
    cohort = Cohort.objects.create(
        name_km=name_km.strip(),
        name_en=name_en.strip(),
        code=code,
        institution=institution,
        start_date=start_date,
        end_date=end_date,
    )
    if trainers:
        cohort.trainers.add(*trainers)
    return cohort


@transaction.atomic
def cohort_update(
    *,
    cohort: Cohort,
    name_km: str,
    name_en: str,
    institution: Institution,
    start_date: date,
    end_date: date | None = None,
) -> Cohort:
    _check_dates(start_date, end_date)
    cohort.name_km = name_km.strip()
    cohort.name_en = name_en.strip()
    cohort.institution = institution
    cohort.start_date = start_date
    cohort.end_date = end_date
    cohort.save()
    return cohort


def assignment_set(
    *, cohort: Cohort, course: CoursePage, due_date: date, assigned_by: User | None
) -> Assignment:
    """Require a course of every member by a date (or move the date), then enrol
    every member, those added later included (see cohort_enrolments_sync)."""
    if not course.live:
        raise CohortError(_("This course is not available."))
    with transaction.atomic():
        assignment, created = Assignment.objects.get_or_create(
            cohort=cohort,
            course_key=course.translation_key,
            defaults={"due_date": due_date, "assigned_by": assigned_by},
        )
        if not created and assignment.due_date != due_date:
            assignment.due_date = due_date
            assignment.save(update_fields=["due_date"])
        enrolments_sync_queue(cohort_id=cohort.pk)
    return assignment


def enrolments_sync_queue(*, cohort_id: int) -> None:
    from cohorts import tasks

    follow_up(tasks.cohort_enrolments_sync, cohort_id)


def cohort_enrolments_sync(*, cohort_id: int) -> int:
    """Enrol every member in every course assigned to the cohort, as an assigned
    enrolment the learner cannot leave. Safe to run any number of times: members
    already enrolled by assignment are left alone. Returns the enrolments made or
    changed."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    keys = list(cohort.assignments.values_list("course_key", flat=True))
    if not keys:
        return 0
    courses = {}
    for page in CoursePage.objects.live().filter(translation_key__in=keys):
        courses.setdefault(page.translation_key, page)
    members = User.objects.filter(cohort_memberships__cohort=cohort)
    settled = set(
        Enrolment.objects.filter(
            user__in=members,
            course_key__in=keys,
            source=Enrolment.Source.ASSIGNED,
        )
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .values_list("user_id", "course_key")
    )
    changed = 0
    for user in members.order_by("pk"):
        for key, course in courses.items():
            if (user.pk, key) in settled:
                continue
            try:
                enrolment_create(
                    user=user, course=course, source=Enrolment.Source.ASSIGNED
                )
            except CourseError:
                continue
            changed += 1
    return changed


@transaction.atomic
def membership_add(*, cohort: Cohort, user: User) -> Membership:
    membership, created = Membership.objects.get_or_create(cohort=cohort, user=user)
    if created:
        enrolments_sync_queue(cohort_id=cohort.pk)
    return membership


@transaction.atomic
def coordinator_appoint(*, user: User, institution: Institution) -> Coordinator:
    """Make the user a coordinator of the institution (and give them the role)."""
    coordinator, _created = Coordinator.objects.get_or_create(
        user=user, institution=institution
    )
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    return coordinator


@transaction.atomic
def coordinator_remove(*, user: User, institution: Institution) -> None:
    """End a coordination; the role goes with the last institution."""
    Coordinator.objects.filter(user=user, institution=institution).delete()
    if not Coordinator.objects.filter(user=user).exists():
        user.groups.remove(Group.objects.get(name=roles.COORDINATOR))
