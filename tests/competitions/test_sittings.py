"""Registration, the one sitting, autosave, the deadline, and what reaches the page."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from assessments.models import Question
from competitions import services
from competitions.models import (
    AuditEvent,
    Registration,
    Sitting,
    SittingCompetenceScore,
    SittingResponse,
)
from tests.competitions.conftest import (
    SECRET_STEM_EN,
    SECRET_STEM_KM,
    FormData,
    make_student,
    register,
    right_form_data,
)
from tests.factories import InstitutionFactory, UserFactory

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def url(name, contest=None, lang="en"):
    with translation.override(lang):
        args = [contest.slug] if contest is not None else []
        return reverse(f"competitions:{name}", args=args)


def events(sitting, kind):
    return AuditEvent.objects.filter(sitting=sitting, kind=kind)


# --- Registration ---------------------------------------------------------------------


def test_student_registers_and_waits_for_approval(client, contest, student):
    client.force_login(student)
    response = client.post(
        url("register", contest),
        {
            "institution": student.institution_id,
            "student_id": "RUPP-001",
            "study_year": "2",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get(contest=contest, user=student)
    assert registration.status == Registration.Status.PENDING
    assert AuditEvent.objects.filter(
        contest=contest, kind=AuditEvent.Kind.REGISTERED, user=student
    ).exists()

    # Not approved yet: no sitting.
    response = client.post(url("start", contest))
    assert response.status_code == 403
    assert not Sitting.objects.exists()

    organiser = UserFactory(roles=["Editor"])
    services.registration_decide(
        registration=registration, approve=True, organiser=organiser
    )
    response = client.post(url("start", contest))
    assert response.status_code == 302
    assert Sitting.objects.filter(registration=registration).count() == 1


def test_registration_without_approval_is_approved_at_once(client, contest, student):
    contest.approval_required = False
    contest.save()
    registration = services.registration_create(
        contest=contest,
        user=student,
        institution=student.institution,
        student_id="A1",
        study_year=1,
    )
    assert registration.status == Registration.Status.APPROVED


@pytest.mark.parametrize(
    "case", ["civil_servant", "closed", "institution", "twice", "same_student_id"]
)
def test_registration_refusals(contest, student, case):
    kwargs = {
        "contest": contest,
        "user": student,
        "institution": student.institution,
        "student_id": "A1",
        "study_year": 1,
    }
    if case == "civil_servant":
        kwargs["user"] = UserFactory(learner_kind=User.LearnerKind.CIVIL_SERVANT)
    elif case == "closed":
        kwargs["now"] = contest.registration_closes_at
    elif case == "institution":
        contest.institutions.add(InstitutionFactory())
    elif case == "twice":
        services.registration_create(**{**kwargs, "student_id": "B2"})
    elif case == "same_student_id":
        other = make_student(institution=student.institution)
        services.registration_create(**{**kwargs, "user": other})
    with pytest.raises(services.CompetitionError) as error:
        services.registration_create(**kwargs)
    assert error.value.status in (403, 409)
    assert not Registration.objects.filter(user=kwargs["user"], student_id="A1")


def test_pending_student_sees_the_countdown_and_rejected_one_the_note(
    client, contest, student
):
    contest.sitting_opens_at = timezone.now() + timedelta(hours=1)
    contest.save()
    registration = register(contest, student, approve=False)
    client.force_login(student)
    page = client.get(url("detail", contest)).content.decode()
    assert 'class="countdown"' in page and "must approve your registration" in page
    registration.status = Registration.Status.REJECTED
    registration.note = "Student card unreadable"
    registration.save()
    page = client.get(url("detail", contest)).content.decode()
    assert 'class="countdown"' not in page and "Student card unreadable" in page


def test_rejected_student_cannot_start_and_started_cannot_be_rejected(contest, student):
    organiser = UserFactory(roles=["Editor"])
    registration = register(contest, student, approve=False)
    services.registration_decide(
        registration=registration, approve=False, organiser=organiser, note="No card"
    )
    with pytest.raises(services.CompetitionError):
        services.sitting_start(contest=contest, user=student)
    services.registration_decide(
        registration=registration, approve=True, organiser=organiser
    )
    services.sitting_start(contest=contest, user=student)
    with pytest.raises(services.CompetitionError):
        services.registration_decide(
            registration=registration, approve=False, organiser=organiser
        )


# --- Before the opening: nothing about the questions ----------------------------------


def test_no_question_text_before_the_sitting_opens(client, contest, student):
    now = timezone.now()
    contest.sitting_opens_at = now + timedelta(hours=3)
    contest.save()
    register(contest, student)
    client.force_login(student)
    pages = [client.get(url("detail", contest, lang)) for lang in ("km", "en")] + [
        client.get(url("list"))
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert SECRET_STEM_KM not in html and SECRET_STEM_EN not in html
        for choice in ("ជម្រើស", "Also wrong"):
            assert choice not in html
    detail = pages[1].content.decode()
    assert 'class="countdown"' in detail
    assert 'data-seconds="10799"' in detail or 'data-seconds="10800"' in detail
    assert "Rules in English" in detail
    assert "ច្បាប់ជាភាសាខ្មែរ" in pages[0].content.decode()

    # Starting early is refused, and the sitting page has nothing to show.
    assert client.post(url("start", contest)).status_code == 409
    response = client.get(url("sitting", contest))
    assert response.status_code == 302
    assert not Sitting.objects.exists()

    # The script served with the pages carries no question data either.
    script = client.get("/static/competitions/contest.js")
    text = b"".join(script.streaming_content).decode()
    assert SECRET_STEM_EN not in text and "q-" not in text.replace("fieldset", "")


def test_sitting_page_shows_questions_once_started_without_answers(
    client, contest, student
):
    register(contest, student)
    client.force_login(student)
    client.post(url("start", contest))
    response = client.get(url("sitting", contest, "km"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(SECRET_STEM_KM) == 5
    assert "Feedback" not in html and "មតិ" not in html
    assert "ព្រោះវាត្រឹមត្រូវ" not in html  # the explanation
    assert "is_correct" not in html and "correct" not in html.lower().replace(
        "incorrect", ""
    )
    assert response["Cache-Control"].startswith("max-age=0")


# --- One sitting, even with two tabs --------------------------------------------------


def test_two_tabs_share_one_sitting_and_submit_once(client, contest, student):
    from django.test import Client

    register(contest, student)
    tab1, tab2 = client, Client()
    tab1.force_login(student)
    tab2.force_login(student)
    assert tab1.post(url("start", contest)).status_code == 302
    assert tab2.post(url("start", contest)).status_code == 302
    assert Sitting.objects.count() == 1
    sitting = Sitting.objects.get()
    page1 = tab1.get(url("sitting", contest)).content.decode()
    page2 = tab2.get(url("sitting", contest)).content.decode()
    order = [f'data-question="{qid}"' for qid in sitting.question_ids]
    for page in (page1, page2):
        positions = [page.index(marker) for marker in order]
        assert positions == sorted(positions)
    assert events(sitting, AuditEvent.Kind.RESUMED).count() == 1

    data = right_form_data(sitting)
    response = tab1.post(url("submit", contest), data)
    assert response.status_code == 302
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert sitting.score == sitting.max_score == Decimal(5)

    # The other tab's late autosave and submit change nothing.
    question = sitting.question_ids[0]
    response = tab2.post(
        url("save", contest), {"question": question, f"q-{question}": ""}, **FETCH
    )
    assert response.status_code == 409
    assert response.json()["code"] == "submitted"
    response = tab2.post(url("submit", contest), {})
    assert response.status_code == 302
    assert response["Location"].endswith("/received/")
    sitting.refresh_from_db()
    assert sitting.score == Decimal(5)
    assert events(sitting, AuditEvent.Kind.SUBMITTED).count() == 1
    assert SittingCompetenceScore.objects.filter(sitting=sitting).count() == 2
    # A second start gives back the submitted sitting, never a new one.
    services.sitting_start(contest=contest, user=student)
    assert Sitting.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_starts_make_one_sitting(contest, student, settings):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connections

    register(contest, student)
    barrier = Barrier(6)

    def start(_):
        try:
            barrier.wait()
            return services.sitting_start(contest=contest, user=student).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(start, range(6)))
    assert len(ids) == 1
    assert Sitting.objects.count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.STARTED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_submits_score_once(contest, student):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connections

    register(contest, student)
    sitting = services.sitting_start(contest=contest, user=student)
    services.sitting_responses_save(
        sitting_id=sitting.pk, user=student, data=FormData(right_form_data(sitting))
    )
    barrier = Barrier(4)

    def submit(_):
        try:
            barrier.wait()
            return services.sitting_submit(sitting_id=sitting.pk, user=student).score
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        scores = set(pool.map(submit, range(4)))
    assert scores == {Decimal(5)}
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SUBMITTED).count() == 1
    assert SittingCompetenceScore.objects.filter(sitting=sitting).count() == 2


# --- Autosave and the audit log -------------------------------------------------------


def test_autosave_records_answers_once_and_the_audit_log(client, contest, student):
    register(contest, student)
    client.force_login(student)
    client.post(url("start", contest))
    sitting = Sitting.objects.get()
    data = right_form_data(sitting)
    question = next(qid for qid in sitting.question_ids if f"q-{qid}" in data)
    payload = {"question": question, f"q-{question}": data[f"q-{question}"]}
    response = client.post(url("save", contest), payload, **FETCH)
    assert response.json()["ok"] is True
    # The same answer again (a retry) stores nothing new.
    client.post(url("save", contest), payload, **FETCH)
    assert SittingResponse.objects.filter(sitting=sitting).count() == 1
    assert events(sitting, AuditEvent.Kind.ANSWER_SAVED).count() == 1
    saved = events(sitting, AuditEvent.Kind.ANSWER_SAVED).get()
    assert saved.data == {
        "question": question,
        "answer": SittingResponse.objects.get(sitting=sitting).answer,
    }

    # The first save after a lost connection is marked.
    client.post(url("save", contest), {**payload, "reconnected": "1"}, **FETCH)
    assert events(sitting, AuditEvent.Kind.RECONNECTED).count() == 1
    # A question of another sitting is refused.
    response = client.post(
        url("save", contest), {"question": 999999, "q-999999": "1"}, **FETCH
    )
    assert response.status_code == 400
    kinds = list(
        AuditEvent.objects.filter(sitting=sitting).values_list("kind", flat=True)
    )
    assert kinds[0] == AuditEvent.Kind.STARTED


def test_a_choice_not_shown_is_refused(contest, student):
    register(contest, student)
    sitting = services.sitting_start(contest=contest, user=student)
    question = (
        Question.objects.filter(
            pk__in=sitting.question_ids, kind__in=["single", "true_false", "multiple"]
        )
        .first()
        .pk
    )
    with pytest.raises(services.CompetitionError):
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=student,
            data=FormData({f"q-{question}": ["123456789"]}),
            question_ids=[question],
        )


# --- The deadline, enforced by the server ---------------------------------------------


def test_deadline_closes_the_sitting_with_answers_saved_in_time(
    client, contest, student
):
    register(contest, student)
    client.force_login(student)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        client.post(url("start", contest))
    sitting = Sitting.objects.get()
    assert sitting.deadline == start + timedelta(minutes=30)
    data = right_form_data(sitting)
    first, *others = sitting.question_ids
    first_data = {k: v for k, v in data.items() if k.startswith(f"q-{first}")}
    with time_machine.travel(start + timedelta(minutes=29, seconds=59), tick=False):
        response = client.post(
            url("save", contest), {"question": first, **first_data}, **FETCH
        )
        assert response.status_code == 200
    with time_machine.travel(start + timedelta(minutes=30, seconds=5), tick=False):
        response = client.post(url("save", contest), data, **FETCH)
        assert response.status_code == 409
        assert response.json()["code"] == "time_up"
        # The sitting page now leads to the receipt, not to the questions.
        response = client.get(url("sitting", contest))
        assert response["Location"].endswith("/received/")
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED
    assert sitting.closed_by_deadline
    assert sitting.submitted_at == sitting.deadline
    assert sitting.time_used_seconds == 30 * 60
    assert sitting.score == Decimal(1)  # only the answer saved in time
    assert SittingResponse.objects.filter(sitting=sitting).count() == 1
    assert events(sitting, AuditEvent.Kind.LATE_ANSWER_REFUSED).count() == 1
    assert len(others) == 4


def test_deadline_is_the_sitting_close_when_that_comes_first(contest, student):
    register(contest, student)
    start = contest.sitting_closes_at - timedelta(minutes=10)
    sitting = services.sitting_start(contest=contest, user=student, now=start)
    assert sitting.deadline == contest.sitting_closes_at
    with time_machine.travel(contest.sitting_closes_at + timedelta(seconds=1)):
        assert services.sittings_close_overdue() == 1
    sitting.refresh_from_db()
    assert sitting.closed_by_deadline and sitting.time_used_seconds == 600


def test_sitting_cannot_start_after_the_close(contest, student):
    register(contest, student)
    with pytest.raises(services.CompetitionError) as error:
        services.sitting_start(
            contest=contest, user=student, now=contest.sitting_closes_at
        )
    assert error.value.code == "not_open"


# --- After submission: a receipt, no questions, no answers ----------------------------


def test_received_page_and_results_hidden_before_publication(client, contest, student):
    register(contest, student)
    client.force_login(student)
    client.post(url("start", contest))
    sitting = Sitting.objects.get()
    client.post(url("submit", contest), right_form_data(sitting))
    sitting.refresh_from_db()

    for page in (
        client.get(url("received", contest)),
        client.get(url("detail", contest)),
        client.get(url("results", contest)),
    ):
        html = page.content.decode()
        assert SECRET_STEM_EN not in html and "Also wrong" not in html
        assert "Rank" not in html and str(sitting.score) not in html
    received = client.get(url("received", contest)).content.decode()
    assert sitting.receipt in received
    assert client.get(url("results", contest)).status_code == 403
    assert client.get(url("sitting", contest))["Location"].endswith("/received/")

    # Published at a set time: hidden until then, shown after.
    contest.sitting_closes_at = timezone.now() + timedelta(hours=1)
    contest.results_publish_at = timezone.now() + timedelta(hours=2)
    contest.save()
    assert client.get(url("results", contest)).status_code == 403
    with time_machine.travel(contest.results_publish_at + timedelta(seconds=1)):
        response = client.get(url("results", contest))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Rank 1 of 1" in html
        assert SECRET_STEM_EN not in html and "Also wrong" not in html


def test_publication_waits_for_the_sitting_to_close(contest, student):
    organiser = UserFactory(roles=["Editor"])
    with pytest.raises(services.CompetitionError):
        services.contest_results_publish(contest=contest, organiser=organiser)
    register(contest, student)
    sitting = services.sitting_start(contest=contest, user=student)
    closed = services.contest_sitting_close(contest=contest, organiser=organiser)
    assert closed == 1
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.SUBMITTED and sitting.closed_by_deadline
    contest = services.contest_results_publish(contest=contest, organiser=organiser)
    assert contest.results_are_published()


def test_anonymous_visitors_see_the_competition_but_no_form(client, contest):
    listing = client.get(url("list"))
    assert contest.title_en in listing.content.decode()
    detail = client.get(url("detail", contest)).content.decode()
    assert "Log in to register" in detail and "registration-form" not in detail
    assert client.post(url("start", contest)).status_code == 302  # to the login
    assert not Sitting.objects.exists()


def test_unlisted_contest_is_not_found(client, contest, student):
    contest.listed = False
    contest.save()
    client.force_login(student)
    assert client.get(url("detail", contest)).status_code == 404
    assert contest.title_en not in client.get(url("list")).content.decode()


def test_autosave_and_submit_query_counts_do_not_grow_with_answers(
    client, contest, student, django_assert_max_num_queries
):
    register(contest, student)
    client.force_login(student)
    client.post(url("start", contest))
    sitting = Sitting.objects.get()
    data = right_form_data(sitting)
    # Every answer in one save: one upsert of the responses, one of the events.
    with django_assert_max_num_queries(13):
        response = client.post(url("save", contest), data, **FETCH)
    assert response.json()["ok"] is True
    assert events(sitting, AuditEvent.Kind.ANSWER_SAVED).count() == 5
    with django_assert_max_num_queries(20):
        client.get(url("sitting", contest))
