"""Enrolment, lesson completion and course completion."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage, Enrolment, LessonCompletion, LessonPage
from courses.requirements import progress_for
from courses.signals import course_completed, enrolment_created


class CourseError(Exception):
    """A learner action that is refused; the message is shown to the learner."""


def enrolment_create(
    *, user, course: CoursePage, source: str = Enrolment.Source.SELF
) -> Enrolment:
    """Enrol a learner in a course, all languages of it. Enrolling twice is harmless."""
    if not course.live:
        raise CourseError(_("This course is not available."))
    if source == Enrolment.Source.SELF and not course.enrolment_open:
        raise CourseError(_("This course is not open for self-enrolment."))
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(
            user=user, course_key=course.translation_key, defaults={"source": source}
        )
        if not created and enrolment.status == Enrolment.Status.WITHDRAWN:
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.save(update_fields=["status"])
        if source == Enrolment.Source.ASSIGNED and enrolment.source != source:
            enrolment.source = source
            enrolment.save(update_fields=["source"])
        if created:
            transaction.on_commit(
                lambda: enrolment_created.send(sender=Enrolment, enrolment=enrolment)
            )
    if not created:
        course_completion_evaluate(user=user, course_key=course.translation_key)
    return enrolment


def enrolment_withdraw(*, user, course: CoursePage) -> None:
    """Unenrol. Progress is kept, so re-enrolling resumes where the learner was."""
    enrolment = Enrolment.objects.filter(
        user=user, course_key=course.translation_key
    ).first()
    if enrolment is None:
        raise CourseError(_("You are not enrolled in this course."))
    if enrolment.source == Enrolment.Source.ASSIGNED:
        raise CourseError(_("This course was assigned to you and cannot be left."))
    if enrolment.status == Enrolment.Status.ACTIVE:
        enrolment.status = Enrolment.Status.WITHDRAWN
        enrolment.save(update_fields=["status"])


def _active_enrolment(*, user, course_key) -> Enrolment:
    enrolment = Enrolment.objects.filter(
        user=user,
        course_key=course_key,
        status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED],
    ).first()
    if enrolment is None:
        raise CourseError(_("Enrol in the course before completing its lessons."))
    return enrolment


def lesson_open(*, user, lesson: LessonPage) -> None:
    """Remember the last lesson opened, for "resume where you left off"."""
    if not user.is_authenticated:
        return
    Enrolment.objects.filter(user=user, course_key=lesson.course_key).exclude(
        last_lesson_key=lesson.translation_key
    ).update(last_lesson_key=lesson.translation_key)


def lesson_complete(*, user, lesson: LessonPage) -> LessonCompletion:
    """Mark a lesson complete, then check whether the course is complete."""
    if not lesson.live:
        raise CourseError(_("This lesson is not available."))
    _active_enrolment(user=user, course_key=lesson.course_key)
    completion, _created = LessonCompletion.objects.get_or_create(
        user=user,
        lesson_key=lesson.translation_key,
        defaults={"course_key": lesson.course_key},
    )
    course_completion_evaluate(user=user, course_key=lesson.course_key)
    return completion


def course_completion_evaluate(*, user, course_key) -> bool:
    """Complete the enrolment when every requirement of every provider is met.

    The status flips under a row lock, so the completion signal is sent once even
    when two requests finish the last requirement together.
    """
    progress = progress_for(user, [course_key])[course_key]
    if not progress.complete:
        return False
    with transaction.atomic():
        enrolment = (
            Enrolment.objects.select_for_update()
            .filter(user=user, course_key=course_key, status=Enrolment.Status.ACTIVE)
            .first()
        )
        if enrolment is None:
            return False
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.completed_at = timezone.now()
        enrolment.save(update_fields=["status", "completed_at"])
        transaction.on_commit(
            lambda: course_completed.send(
                sender=Enrolment, enrolment=enrolment, user=user, course_key=course_key
            )
        )
    return True
