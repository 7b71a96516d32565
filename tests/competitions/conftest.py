"""A contest over a small bank of known questions, and students to enter it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Institution, User
from assessments.models import QuestionBank
from competencies.models import Competence, ProficiencyLevel
from competitions.models import BlueprintRow, Contest, Registration
from tests.assessments.conftest import make_question
from tests.courses.conftest import framework  # noqa: F401
from tests.factories import InstitutionFactory, UserFactory

# Stems that must never reach a page before the sitting opens.
SECRET_STEM_KM = "សំណួរសម្ងាត់លេខ"
SECRET_STEM_EN = "Secret question number"


def make_contest(*, rows, now=None, **fields) -> Contest:
    """A listed contest whose registration and sitting are open around ``now``.
    ``rows``: [(bank, competence, level, count)]."""
    now = now or timezone.now()
    values = {
        "slug": "challenge",
        "title_km": "ការប្រកួតប្រជែង",
        "title_en": "The challenge",
        "rules_km": "<p>ច្បាប់ជាភាសាខ្មែរ</p>",
        "rules_en": "<p>Rules in English</p>",
        "listed": True,
        "approval_required": True,
        "registration_opens_at": now - timedelta(days=2),
        "registration_closes_at": now + timedelta(days=1),
        "sitting_opens_at": now - timedelta(hours=1),
        "sitting_closes_at": now + timedelta(days=2),
        "time_limit_minutes": 30,
        "merit_places": 2,
    }
    values.update(fields)
    contest = Contest.objects.create(**values)
    for order, (bank, competence, level, count) in enumerate(rows):
        BlueprintRow.objects.create(
            contest=contest,
            sort_order=order,
            bank=bank,
            competence=competence,
            level=level,
            count=count,
        )
    return contest


def make_student(*, institution=None, **fields) -> User:
    return UserFactory(
        learner_kind=User.LearnerKind.STUDENT,
        institution=institution or InstitutionFactory(kind=Institution.Kind.UNIVERSITY),
        **fields,
    )


def register(contest, user, *, approve=True, student_id=None) -> Registration:
    registration = Registration.objects.create(
        contest=contest,
        user=user,
        institution=user.institution,
        student_id=student_id or f"S-{user.pk}",
        study_year=2,
        status=(
            Registration.Status.APPROVED if approve else Registration.Status.PENDING
        ),
    )
    return registration


def sit(contest, student, *, right, start, minutes):
    """Register ``student``, start at ``start``, answer the first ``right``
    questions right and submit ``minutes`` later."""
    from competitions import services

    register(contest, student)
    sitting = services.sitting_start(contest=contest, user=student, now=start)
    chosen = right_answers_to(sitting, sitting.question_ids[:right])
    services.sitting_responses_save(
        sitting_id=sitting.pk, user=student, data=chosen, now=start
    )
    return services.sitting_submit(
        sitting_id=sitting.pk, user=student, now=start + timedelta(minutes=minutes)
    )


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(name_en="Contest bank", name_km="ធនាគារប្រកួត")


@pytest.fixture
def pools(framework, bank):  # noqa: F811
    """Four L1 and three L2 questions on 4.2, three L1 on 1.2, of every kind."""
    kinds = ["single", "true_false", "multiple", "single", "ordering", "single"]
    questions = {}
    specs = [("4.2", "L1", 4), ("4.2", "L2", 3), ("1.2", "L1", 3)]
    number = 0
    for code, level, count in specs:
        for _ in range(count):
            number += 1
            question = make_question(
                bank,
                framework,
                kind=kinds[number % len(kinds)],
                level=level,
                competence=code,
                key=f"q{number}",
            )
            question.stem_km = f"<p>{SECRET_STEM_KM} {number}</p>"
            question.stem_en = f"<p>{SECRET_STEM_EN} {number}</p>"
            question.save()
            questions.setdefault((code, level), []).append(question)
    return questions


@pytest.fixture
def contest(framework, bank, pools):  # noqa: F811
    c42 = Competence.objects.get(framework=framework, code="4.2")
    c12 = Competence.objects.get(framework=framework, code="1.2")
    l1 = ProficiencyLevel.objects.get(framework=framework, code="L1")
    l2 = ProficiencyLevel.objects.get(framework=framework, code="L2")
    return make_contest(
        rows=[(bank, c42, l1, 2), (bank, c42, l2, 1), (bank, c12, l1, 2)]
    )


@pytest.fixture
def student(db):
    return make_student(email="student@example.org")


def right_form_data(sitting) -> dict:
    """POST data answering every question of the sitting right."""
    from assessments.models import Question
    from tests.assessments.conftest import right_answers

    questions = Question.objects.in_bulk(sitting.question_ids)
    return right_answers([questions[qid] for qid in sitting.question_ids])


def right_answers_to(sitting, question_ids) -> "FormData":
    """POST data answering only ``question_ids`` of the sitting, right."""
    prefixes = tuple(f"q-{qid}" for qid in question_ids)
    data = right_form_data(sitting)
    # "q-12" must not take "q-123": keep a field when it is the prefix or extends it
    # with "-pos-".
    return FormData(
        {
            key: value
            for key, value in data.items()
            if key in prefixes or key.split("-pos-")[0] in prefixes
        }
    )


class FormData(dict):
    """A dict with ``getlist``, like request.POST."""

    def getlist(self, key):
        value = self.get(key, [])
        return value if isinstance(value, list) else [value]
