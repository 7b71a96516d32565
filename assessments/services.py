"""Attempt lifecycle: start, save answers, submit once, close at the deadline."""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import engine, kinds
from assessments.engine import AssessmentError
from assessments.models import Attempt, Question, QuizPage
from assessments.signals import attempt_submitted
from courses.models import Enrolment
from courses.services import course_completion_evaluate

_rng = random.SystemRandom()


# --- Building an attempt --------------------------------------------------------


def _questions_for(quiz: QuizPage, rng) -> list[Question]:
    """The quiz's fixed questions, then the random draws, without repeats."""
    chosen = [
        item.question
        for item in quiz.fixed_questions.select_related("question").all()
        if item.question.is_active
    ]
    taken = {q.pk for q in chosen}
    for rule in quiz.draw_rules.all():
        candidates = Question.objects.filter(bank_id=rule.bank_id, is_active=True)
        if rule.competence_id:
            candidates = candidates.filter(
                competence_links__competence_id=rule.competence_id
            )
        if rule.level_id:
            candidates = candidates.filter(level_id=rule.level_id)
        pool = [q for q in candidates.distinct().order_by("pk") if q.pk not in taken]
        for question in rng.sample(pool, min(rule.count, len(pool))):
            chosen.append(question)
            taken.add(question.pk)
    return chosen


def attempt_layout(*, questions, shuffle_questions, shuffle_choices, rng) -> list[dict]:
    """The order questions and choices are shown in, fixed for the attempt."""
    questions = list(questions)
    if shuffle_questions:
        rng.shuffle(questions)
    choices = {}
    for choice in _choices_of([q.pk for q in questions]):
        choices.setdefault(choice.question_id, []).append(choice.pk)
    layout = []
    for question in questions:
        ids = kinds.get(question.kind).arrange(
            choices.get(question.pk, []), shuffle=shuffle_choices, rng=rng
        )
        layout.append({"question": question.pk, "choices": ids})
    return layout


def _choices_of(question_ids):
    from assessments.models import Choice

    return Choice.objects.filter(question_id__in=question_ids).order_by(
        "sort_order", "pk"
    )


def attempt_start(*, user, quiz: QuizPage, now=None, rng=None) -> Attempt:
    """Start an attempt, or return the one in progress (a reload resumes it)."""
    now = now or timezone.now()
    rng = rng or _rng
    if not quiz.live:
        raise AssessmentError(_("This quiz is not available."), status=404)
    enrolled = Enrolment.objects.filter(
        user=user,
        course_key=quiz.course_key,
        status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED],
    ).exists()
    if not enrolled:
        raise AssessmentError(_("Enrol in the course before taking its quizzes."), 403)
    for overdue in Attempt.objects.filter(
        user=user, quiz_key=quiz.translation_key, status=Attempt.Status.IN_PROGRESS
    ):
        attempt_close_if_overdue(attempt_id=overdue.pk, now=now)
    with transaction.atomic():
        attempts = Attempt.objects.select_for_update().filter(
            user=user, quiz_key=quiz.translation_key
        )
        current = attempts.filter(status=Attempt.Status.IN_PROGRESS).first()
        if current is not None:
            return current
        if not quiz.is_open(now):
            raise AssessmentError(_("This quiz is not open now."), status=409)
        used = attempts.count()
        if quiz.attempts_allowed and used >= quiz.attempts_allowed:
            raise AssessmentError(
                _("You have used all your attempts at this quiz."), 409
            )
        questions = _questions_for(quiz, rng)
        if not questions:
            raise AssessmentError(_("This quiz has no questions yet."), status=409)
        deadline = None
        if quiz.time_limit_minutes:
            deadline = now + timedelta(minutes=quiz.time_limit_minutes)
        if quiz.close_at and (deadline is None or quiz.close_at < deadline):
            deadline = quiz.close_at
        number = (attempts.aggregate(n=Max("number"))["n"] or 0) + 1
        attempt = Attempt.objects.create(
            user=user,
            quiz=quiz,
            quiz_key=quiz.translation_key,
            course_key=quiz.course_key,
            number=number,
            started_at=now,
            deadline=deadline,
            layout=attempt_layout(
                questions=questions,
                shuffle_questions=quiz.shuffle_questions,
                shuffle_choices=quiz.shuffle_choices,
                rng=rng,
            ),
        )
    if deadline is not None:
        from assessments import tasks

        close = tasks.attempt_close_if_overdue
        # Robust: with the broker down the quiz still starts; the beat sweep
        # (attempts_close_overdue) closes it at its deadline instead.
        transaction.on_commit(
            lambda: close.apply_async((attempt.pk,), eta=deadline), robust=True
        )
    return attempt


# --- Saving answers ---------------------------------------------------------------


def _owned_attempt(*, attempt_id, user, lock=False) -> Attempt:
    attempts = Attempt.objects.select_related("quiz")
    if lock:
        attempts = attempts.select_for_update(of=("self",))
    attempt = attempts.filter(pk=attempt_id).first()
    # Another learner's attempt is answered exactly like a missing one.
    if attempt is None or attempt.user_id != user.pk:
        raise AssessmentError(_("This attempt does not exist."), status=404)
    return attempt


def responses_save(*, attempt_id, user, data, question_ids=None, now=None) -> Attempt:
    """Save the answers in ``data`` (form fields ``q-<question id>``).

    Only questions of this attempt are accepted; after the deadline nothing is
    saved and the attempt is closed with the answers saved before it.
    """
    now = now or timezone.now()
    attempt = _owned_attempt(attempt_id=attempt_id, user=user)
    if attempt.status == Attempt.Status.IN_PROGRESS and attempt.is_past_deadline(now):
        # Close it with what was saved in time, then refuse this late answer.
        attempt_submit(attempt=attempt, user=user, now=now, by_deadline=True)
        raise AssessmentError(
            _("Time is up: answers sent after the deadline are not saved."), 409
        )
    with transaction.atomic():
        attempt = _owned_attempt(attempt_id=attempt_id, user=user, lock=True)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise AssessmentError(_("This attempt is already submitted."), status=409)
        if attempt.is_past_deadline(now):
            raise AssessmentError(
                _("Time is up: answers sent after the deadline are not saved."), 409
            )
        engine.answers_write(
            sitting=attempt, data=data, question_ids=question_ids, now=now
        )
    return attempt


# --- Submitting and scoring ----------------------------------------------------------


def attempt_submit(
    *,
    attempt: Attempt | None = None,
    attempt_id=None,
    user,
    now=None,
    by_deadline=False,
) -> Attempt:
    """Score an attempt once. A second call, from a double click or another tab,
    returns the scored attempt unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _owned_attempt(
            attempt_id=attempt.pk if attempt else attempt_id, user=user, lock=True
        )
        if attempt.status == Attempt.Status.SUBMITTED:
            return attempt
        engine.scores_record(sitting=attempt, now=now, by_deadline=by_deadline)
        attempt.passed = attempt.percent >= attempt.quiz.pass_mark
        attempt.save(update_fields=[*engine.SCORED_FIELDS, "passed"])
        submitted = attempt

        def after_commit():
            attempt_submitted.send(sender=Attempt, attempt=submitted)
            if submitted.course_key:
                course_completion_evaluate(
                    user=submitted.user, course_key=submitted.course_key
                )

        transaction.on_commit(after_commit)
    return attempt


def attempt_close_if_overdue(*, attempt_id, now=None) -> bool:
    """Close an attempt whose deadline has passed. Safe to run any number of times."""
    now = now or timezone.now()
    return engine.close_if_overdue(
        Attempt,
        pk=attempt_id,
        now=now,
        submit=lambda attempt: attempt_submit(
            attempt=attempt, user=attempt.user, now=now, by_deadline=True
        ),
    )


def attempts_close_overdue(*, now=None) -> int:
    now = now or timezone.now()
    ids = engine.overdue_ids(Attempt.objects.all(), now=now)
    return sum(attempt_close_if_overdue(attempt_id=pk, now=now) for pk in ids)
