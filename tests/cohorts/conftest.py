"""Cohorts with trainers, coordinators, learners and two assigned courses."""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Institution
from cohorts import services
from cohorts.models import Membership
from tests.assessments.conftest import make_question, make_quiz
from tests.courses.conftest import framework, make_course, site_tree  # noqa: F401
from tests.factories import InstitutionFactory, UserFactory

TODAY = date(2026, 3, 10)


@pytest.fixture
def mptc(db):
    return Institution.objects.get(code="mptc")


@pytest.fixture
def other_institution(db):
    return InstitutionFactory(code="moh-test", name_en="Health test")


@pytest.fixture
def trainer(db):
    return UserFactory(
        email="trainer@example.org",
        roles=[roles.TRAINER],
        mfa=True,
        preferred_language="en",
        full_name_latin="KEO Vanna",
    )


@pytest.fixture
def other_trainer(db):
    return UserFactory(
        email="other.trainer@example.org", roles=[roles.TRAINER], mfa=True
    )


@pytest.fixture
def coordinator(db, mptc):
    user = UserFactory(email="coordinator@example.org", roles=[], mfa=True)
    services.coordinator_appoint(user=user, institution=mptc)
    return user


@pytest.fixture
def other_coordinator(db, other_institution):
    user = UserFactory(email="other.coordinator@example.org", roles=[], mfa=True)
    services.coordinator_appoint(user=user, institution=other_institution)
    return user


@pytest.fixture
def administrator(db):
    return UserFactory(
        email="admin@example.org",
        roles=[roles.ADMINISTRATOR],
        mfa=True,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def cohort(db, mptc, trainer):
    return services.cohort_create(
        name_km="ក្រុមសាកល្បង",
        name_en="Test cohort",
        code="test-cohort",
        institution=mptc,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        trainers=[trainer],
    )


def bulk_learners(cohort, count, *, prefix):
    """Many learners at once, for size tests: plain rows, no e-mail address rows."""
    from accounts.models import User

    users = []
    for number in range(count):
        user = User(
            email=f"{prefix}{number}@example.org",
            full_name_latin=f"{prefix.upper()} {number:04d}",
            full_name_km=f"សុខ {number}",
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(email__startswith=prefix).order_by("pk"))
    Membership.objects.bulk_create([Membership(cohort=cohort, user=u) for u in users])
    return users


def add_learners(cohort, count, *, prefix="member"):
    users = [
        UserFactory(
            email=f"{prefix}{number}@example.org",
            full_name_latin=f"{prefix.upper()} {number:04d}",
        )
        for number in range(count)
    ]
    Membership.objects.bulk_create([Membership(cohort=cohort, user=u) for u in users])
    return users


@pytest.fixture
def courses(site_tree, framework):  # noqa: F811
    """Two bilingual courses: 'safe' (3 lessons and a quiz on 4.2) and 'check'
    (2 lessons, targets 1.2)."""
    from assessments.models import QuestionBank

    safe, safe_lessons = make_course(site_tree, framework, lessons=3, slug="safe")
    check, check_lessons = make_course(
        site_tree,
        framework,
        lessons=2,
        slug="check",
        title="Check before you share",
        title_km="ពិនិត្យមុនចែករំលែក",
        competence="1.2",
    )
    bank = QuestionBank.objects.create(name_en="Bank", name_km="ធនាគារ")
    questions = [
        make_question(bank, framework, kind="single", level="L1", key="a"),
        make_question(bank, framework, kind="single", level="L1", key="b"),
    ]
    quiz = make_quiz(
        safe, questions, shuffle_questions=False, shuffle_choices=False, pass_mark=50
    )
    return {
        "safe": safe,
        "safe_lessons": safe_lessons,
        "check": check,
        "check_lessons": check_lessons,
        "quiz": quiz,
        "questions": questions,
    }


@pytest.fixture
def coordinator_group(db):
    return Group.objects.get(name=roles.COORDINATOR)
