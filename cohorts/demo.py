"""The demo cohort: the demo trainer's MPTC cohort with twelve learners at varied
stages, built through the courses and assessments services as real learners would
(idempotent). The sample enrolment file in cohorts/sample_data/ adds learners to it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.datastructures import MultiValueDict
from wagtail.models import Locale

from accounts import roles
from accounts.models import Institution, User
from accounts.services import user_role_set
from assessments import services as assessment_services
from assessments.models import Attempt, Question, QuizPage
from cohorts import selectors, services
from cohorts.models import Cohort, Membership
from courses import services as course_services
from courses.models import CoursePage, LessonPage

TRAINER_EMAIL = "trainer@sala.demo"
DEMO_LEARNER_EMAIL = "learner@sala.demo"
COHORT = {
    "code": "mptc-dmil-2026",
    "name_km": "វគ្គអក្ខរកម្មឌីជីថល ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍ ២០២៦",
    "name_en": "MPTC digital literacy 2026",
    "institution": "mptc",
}
# (e-mail, Khmer name, Latin name, position, lessons done in the first and second
# course, share of quiz answers right, or None for no attempt)
LEARNERS = [
    ("chanthy.meas", "មាស ចាន្ធី", "MEAS Chanthy", "Director of Department", 99, 99, 1.0),
    ("vanna.prak", "ប្រាក់ វណ្ណា", "PRAK Vanna", "Deputy Director", 99, 3, 1.0),
    ("sopheak.ly", "លី សុភ័ក្ត្រ", "LY Sopheak", "Chief of Office", 99, 0, 0.8),
    ("dalin.keo", "កែវ ដាលីន", "KEO Dalin", "Officer", 4, 2, 0.6),
    ("rathana.chhim", "ឈឹម រតនា", "CHHIM Rathana", "Officer", 3, 1, 0.3),
    ("sokha.nhem", "ញឹម សុខា", "NHEM Sokha", "IT Officer", 2, 0, None),
    ("bopha.tep", "ទេព បុប្ផា", "TEP Bopha", "Officer", 1, 0, None),
    ("veasna.sam", "សំ វាសនា", "SAM Veasna", "Provincial Officer", 0, 0, None),
    ("sreymom.yim", "យឹម ស្រីមុំ", "YIM Sreymom", "Communication Officer", 0, 99, 0.0),
    ("kosal.pen", "ប៉ែន កុសល", "PEN Kosal", "Deputy Chief of Office", 99, 99, 0.9),
    ("channary.touch", "ទូច ចាន់ណារី", "TOUCH Channary", "Officer", 2, 4, None),
    ("piseth.san", "សាន ពិសិដ្ឋ", "SAN Piseth", "Officer", 0, 0, None),
]
DOMAIN = "mptc.sala.demo"
# Days from the day the demo is loaded to each course's due date: one course is
# overdue, the next due within the reminder window.
DUE_IN_DAYS = [-3, 5]


def _learner(email, name_km, name_latin, position, institution, password):
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name_km=name_km,
        full_name_latin=name_latin,
        position=position,
        institution=institution,
        learner_kind=User.LearnerKind.CIVIL_SERVANT,
        preferred_language="km",
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    user_role_set(user=user, role=roles.LEARNER)
    return user


def _answers(quiz: QuizPage, attempt: Attempt, share_right: float) -> MultiValueDict:
    """Form data answering the first share of the attempt's questions right and
    the others wrong."""
    questions = Question.objects.prefetch_related("choices").in_bulk(
        attempt.question_ids
    )
    data = MultiValueDict()
    right_count = round(share_right * len(attempt.layout))
    rng = random.Random(attempt.pk)
    for index, item in enumerate(attempt.layout):
        question = questions[item["question"]]
        choices = sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk))
        answer = question.kind_spec.demo_answer(
            question=question, choices=choices, right=index < right_count, rng=rng
        )
        for name, values in answer.items():
            data.setlist(name, values)
    return data


def _take_quiz(user, quiz: QuizPage, share_right: float) -> None:
    if Attempt.objects.filter(user=user, quiz_key=quiz.translation_key).exists():
        return
    try:
        attempt = assessment_services.attempt_start(user=user, quiz=quiz)
    except assessment_services.AssessmentError:
        return
    assessment_services.responses_save(
        attempt_id=attempt.pk, user=user, data=_answers(quiz, attempt, share_right)
    )
    assessment_services.attempt_submit(attempt_id=attempt.pk, user=user)


def _progress(user, course: CoursePage, lessons_done: int, share_right) -> None:
    """Complete the first lessons and, for the given share, sit the course's
    quizzes. Only a learner with no progress in the course yet is moved on."""
    from courses.models import LessonCompletion

    if LessonCompletion.objects.filter(
        user=user, course_key=course.translation_key
    ).exists():
        return
    lessons = list(
        LessonPage.objects.live().child_of(course).order_by("path")[:lessons_done]
    )
    for lesson in lessons:
        course_services.lesson_complete(user=user, lesson=lesson)
    if share_right is None or lessons_done == 0:
        return
    quizzes = QuizPage.objects.live().child_of(course).order_by("path")
    for quiz in quizzes:
        _take_quiz(user, quiz, share_right)


def demo_cohorts_load(*, password: str | None = None, today=None) -> Cohort:
    """Create the demo cohort (or leave it as it is) and return it.

    ``password`` is given to the demo learners (None: they cannot log in). Without
    demo courses, the cohort and its learners are still created.
    """
    today = today or selectors.today_local()
    institution = Institution.objects.get(code=COHORT["institution"])
    with transaction.atomic():
        cohort = Cohort.objects.filter(code=COHORT["code"]).first()
        if cohort is None:
            cohort = services.cohort_create(
                name_km=COHORT["name_km"],
                name_en=COHORT["name_en"],
                code=COHORT["code"],
                institution=institution,
                start_date=today - timedelta(days=30),
                end_date=today + timedelta(days=60),
            )
        trainer = User.objects.filter(email=TRAINER_EMAIL).first()
        if trainer is not None:
            cohort.trainers.add(trainer)
        learners = []
        for email, name_km, name_latin, position, *_progress_spec in LEARNERS:
            learners.append(
                _learner(
                    f"{email}@{DOMAIN}",
                    name_km,
                    name_latin,
                    position,
                    institution,
                    password,
                )
            )
        demo_learner = User.objects.filter(email=DEMO_LEARNER_EMAIL).first()
        for user in [*learners, *([demo_learner] if demo_learner else [])]:
            Membership.objects.get_or_create(cohort=cohort, user=user)
    locale_km = Locale.objects.filter(language_code="km").first()
    courses = list(
        CoursePage.objects.live().filter(locale=locale_km).order_by("path")[:2]
    )
    for course, days in zip(courses, DUE_IN_DAYS, strict=False):
        if not cohort.assignments.filter(course_key=course.translation_key).exists():
            services.assignment_set(
                cohort=cohort,
                course=course,
                due_date=today + timedelta(days=days),
                assigned_by=trainer,
            )
    services.cohort_enrolments_sync(cohort_id=cohort.pk)
    for user, spec in zip(learners, LEARNERS, strict=True):
        lessons_first, lessons_second, share_right = spec[4], spec[5], spec[6]
        for course, lessons_done in zip(
            courses, (lessons_first, lessons_second), strict=False
        ):
            _progress(user, course, lessons_done, share_right)
    return cohort
