"""The demo competition (idempotent): open for registration and sitting now, with a
blueprint over the demo question banks, and a few contestants who have already
sat, so that an organiser can close the sitting, publish a ranking, export it and
look at the item analysis straight away.

Call ``demo_competitions_load()`` after the demo quizzes (their banks are the
blueprint's); without any bank the competition is created without a blueprint.
The contestants log in with the demo password, like every other demo account, to
see their results and certificates.
"""

import random
from collections import defaultdict
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import Institution, User
from assessments.models import Question, QuestionBank, QuestionCompetence
from competitions import blueprint, services
from competitions.models import BlueprintRow, Contest, Registration
from competitions.selectors import blueprint_rows_for_draw

DEMO_SLUG = "digital-literacy-challenge-2026"
MAX_QUESTIONS = 20

RULES_KM = (
    "<p>ការប្រកួតប្រជែងនេះសម្រាប់និស្សិតសាកលវិទ្យាល័យ។ "
    "ចំណាត់ថ្នាក់ខ្ពស់ៗនឹងត្រូវបានពិចារណាសម្រាប់អាហារូបករណ៍។</p>"
    "<ul>"
    "<li>អ្នកអាចប្រឡងបានតែម្តងគត់។ នាឡិកាចាប់ផ្តើមនៅពេលអ្នកចុច «ចាប់ផ្តើម»។</li>"
    "<li>ចម្លើយរបស់អ្នករក្សាទុកដោយស្វ័យប្រវត្តិ។ "
    "នៅពេលអស់ម៉ោង ការប្រឡងបិទដោយខ្លួនឯង ជាមួយចម្លើយដែលបានរក្សាទុក។</li>"
    "<li>បេក្ខជនម្នាក់ៗទទួលបានសំណួរផ្សេងគ្នា ប៉ុន្តែស្មើគ្នា "
    "(ចំនួនសំណួរដូចគ្នាតាមសមត្ថភាព និងកម្រិតនីមួយៗ)។</li>"
    "<li>ចំណាត់ថ្នាក់៖ ពិន្ទុ បន្ទាប់មករយៈពេលប្រើ "
    "បន្ទាប់មកពេលវេលាដាក់ស្នើ។</li>"
    "<li>ហាមប្រើជំនួយពីអ្នកដទៃ។</li>"
    "</ul>"
)
RULES_EN = (
    "<p>This competition is for university students. The best-ranked contestants "
    "will be considered for scholarships.</p>"
    "<ul>"
    "<li>You can sit only once. The clock starts when you press “Start”.</li>"
    "<li>Your answers are saved as you go. When the time is up the sitting closes "
    "by itself with the answers saved.</li>"
    "<li>Every contestant gets different but equivalent questions (the same number "
    "for each competence and level).</li>"
    "<li>Ranking: score, then time used, then submission time.</li>"
    "<li>No help from anyone else.</li>"
    "</ul>"
)

CONTESTANTS = [
    ("contestant1@sala.demo", "ចាន់ សុភា", "CHAN Sophea", "rupp", 0.9),
    ("contestant2@sala.demo", "ហេង វិចិត្រ", "HENG Vichet", "itc", 0.8),
    ("contestant3@sala.demo", "លី ស្រីនិច", "LY Sreynich", "num", 0.7),
    ("contestant4@sala.demo", "សុខ ពិសិដ្ឋ", "SOK Piseth", "cadt", 0.6),
    ("contestant5@sala.demo", "ម៉ៅ ចន្ថា", "MAO Chantha", "rupp", 0.5),
    ("contestant6@sala.demo", "គង់ រតនា", "KONG Rathana", "itc", 0.4),
]


def _blueprint_rows(contest: Contest) -> int:
    """One row per (bank, competence, level) of the banks' active questions,
    drawing half the pool (at least one), at most MAX_QUESTIONS in all."""
    groups = defaultdict(set)
    for (
        question_id,
        bank_id,
        competence_id,
        level_id,
    ) in QuestionCompetence.objects.filter(
        question__is_active=True,
        question__level__framework_id=F("competence__framework_id"),
    ).values_list(
        "question_id", "question__bank_id", "competence_id", "question__level_id"
    ):
        groups[(bank_id, competence_id, level_id)].add(question_id)
    total = 0
    for order, ((bank_id, competence_id, level_id), pool) in enumerate(
        sorted(groups.items(), key=lambda item: item[0])
    ):
        # A question tagged with two competences counts in both pools; half of
        # each pool keeps every form fillable.
        count = max(1, len(pool) // 2)
        if total + count > MAX_QUESTIONS:
            break
        BlueprintRow.objects.create(
            contest=contest,
            sort_order=order,
            bank_id=bank_id,
            competence_id=competence_id,
            level_id=level_id,
            count=count,
        )
        total += count
    # Questions tagged with several competences can make rows compete for them.
    for shortfall in blueprint.shortfalls(blueprint_rows_for_draw(contest=contest)):
        row = BlueprintRow.objects.get(pk=shortfall.row_id)
        if shortfall.available:
            row.count = shortfall.available
            row.save(update_fields=["count"])
        else:
            row.delete()
        total -= shortfall.needed - shortfall.available
    return total


def _answers(sitting, ability: float, rng: random.Random) -> MultiValueDict:
    """Form data answering each question right with probability ``ability``."""
    questions = Question.objects.prefetch_related("choices").in_bulk(
        sitting.question_ids
    )
    data = MultiValueDict()
    for item in sitting.layout:
        question = questions[item["question"]]
        choices = sorted(question.choices.all(), key=lambda c: (c.sort_order, c.pk))
        answer = question.kind_spec.demo_answer(
            question=question, choices=choices, right=rng.random() < ability, rng=rng
        )
        for name, values in answer.items():
            data.setlist(name, values)
    return data


def _contestant_logins_ensure(password: str | None) -> None:
    """Give the demo contestants ``password`` and a verified e-mail address, which
    the login requires. A password already set is kept; so a demo database
    seeded before the contestants had one gets it from the next seed."""
    if password is None:
        return
    for user in User.objects.filter(email__in=[c[0] for c in CONTESTANTS]):
        if not user.has_usable_password():
            user.set_password(password)
            user.save(update_fields=["password"])
        address = EmailAddress.objects.filter(
            user=user, email__iexact=user.email
        ).first()
        if address is None:
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=True
            )
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])


def _contestants(contest: Contest, rng: random.Random, password: str | None) -> None:
    opened = contest.sitting_opens_at
    for index, (email, name_km, name_latin, code, ability) in enumerate(CONTESTANTS):
        institution = Institution.objects.filter(code=code).first()
        if institution is None:
            continue
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=password,
                full_name_km=name_km,
                full_name_latin=name_latin,
                learner_kind=User.LearnerKind.STUDENT,
                institution=institution,
                preferred_language="km",
            )
        registered = opened - timedelta(hours=20) + timedelta(minutes=index)
        registration = services.registration_create(
            contest=contest,
            user=user,
            institution=institution,
            student_id=f"{code.upper()}-2026-{index + 1:04d}",
            study_year=1 + index % 4,
            now=registered,
        )
        registration.status = Registration.Status.APPROVED
        registration.decided_at = registered + timedelta(hours=1)
        registration.save(update_fields=["status", "decided_at"])
        started = opened + timedelta(minutes=2 + index)
        sitting = services.sitting_start(
            contest=contest, user=user, now=started, rng=rng
        )
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=user,
            data=_answers(sitting, ability, rng),
            now=started + timedelta(minutes=5),
        )
        services.sitting_submit(
            sitting_id=sitting.pk,
            user=user,
            now=started + timedelta(minutes=8, seconds=17 * index),
        )


@transaction.atomic
def demo_competitions_load(*, password: str | None = None, now=None) -> Contest:
    """The demo competition, created once; later calls return it unchanged.

    ``password`` is given to the contestants who have none (None: they cannot log
    in), also when the competition already exists.
    """
    existing = Contest.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        _contestant_logins_ensure(password)
        return existing
    now = now or timezone.now()
    # Registration was opened the day before; the sitting opened an hour ago.
    contest = Contest.objects.create(
        slug=DEMO_SLUG,
        title_km="ការប្រកួតប្រជែងអក្ខរកម្មឌីជីថល ២០២៦",
        title_en="Digital Literacy Challenge 2026",
        rules_km=RULES_KM,
        rules_en=RULES_EN,
        listed=True,
        eligible_learner_kind=User.LearnerKind.STUDENT,
        approval_required=True,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=30),
        sitting_opens_at=now - timedelta(hours=1),
        sitting_closes_at=now + timedelta(days=30),
        time_limit_minutes=20,
        merit_places=3,
        created_at=now - timedelta(days=2),
    )
    if QuestionBank.objects.exists() and _blueprint_rows(contest):
        _contestants(contest, random.Random(2026), password)
    _contestant_logins_ensure(password)
    return contest
