"""Attempt lifecycle: start, save answers, submit once, close at the deadline."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import kinds, scoring
from assessments.models import (
    Attempt,
    CompetenceResult,
    Question,
    QuizPage,
    Response,
)
from assessments.signals import attempt_submitted
from courses.models import Enrolment
from courses.services import course_completion_evaluate


class AssessmentError(Exception):
    """A refused action; ``status`` is the HTTP status a view should answer with."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


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
        transaction.on_commit(lambda: close.apply_async((attempt.pk,), eta=deadline))
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


def parse_answer(*, question: Question, layout_choices: list[int], data, prefix: str):
    """Read one question's answer from form data; refuse choices not shown."""
    kind = kinds.get(question.kind)
    if kind is None:
        raise AssessmentError(_("Unknown question kind."))
    try:
        return kind.parse(layout_choices=layout_choices, data=data, prefix=prefix)
    except kinds.AnswerRefused as refused:
        raise AssessmentError(refused.message) from None


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
        layout = {item["question"]: item["choices"] for item in attempt.layout}
        wanted = layout.keys() if question_ids is None else question_ids
        for qid in wanted:
            if qid not in layout:
                raise AssessmentError(_("That question is not part of this attempt."))
        questions = Question.objects.in_bulk(list(wanted))
        existing = {
            r.question_id: r
            for r in attempt.responses.filter(question_id__in=list(wanted))
        }
        to_create, to_update = [], []
        for qid in wanted:
            prefix = f"q-{qid}"
            answer = parse_answer(
                question=questions[qid],
                layout_choices=layout[qid],
                data=data,
                prefix=prefix,
            )
            if answer is None:
                continue
            response = existing.get(qid)
            if response is None:
                to_create.append(
                    Response(attempt=attempt, question_id=qid, answer=answer)
                )
            elif response.answer != answer:
                response.answer = answer
                response.saved_at = now
                to_update.append(response)
        Response.objects.bulk_create(to_create)
        Response.objects.bulk_update(to_update, ["answer", "saved_at"])
    return attempt


# --- Submitting and scoring ----------------------------------------------------------


def question_specs(questions) -> list[scoring.QuestionSpec]:
    """Turn prefetched questions (choices, competence_links, level) into specs."""
    specs = []
    for question in questions:
        choices = list(question.choices.all())
        specs.append(
            scoring.QuestionSpec(
                id=question.pk,
                kind=question.kind,
                points=Decimal(question.points),
                level=question.level.rank,
                competences=tuple(
                    (link.competence.code, Decimal(link.weight))
                    for link in question.competence_links.all()
                ),
                correct_choices=frozenset(c.pk for c in choices if c.is_correct),
                choice_order=tuple(
                    c.pk
                    for c in sorted(choices, key=lambda c: (c.sort_order or 0, c.pk))
                ),
                accepted_answers=tuple(question.accepted_answer_list()),
                numeric_answer=question.numeric_answer,
                tolerance=Decimal(question.tolerance or 0),
            )
        )
    return specs


def questions_for_scoring(question_ids):
    return (
        Question.objects.filter(pk__in=question_ids)
        .select_related("level")
        .prefetch_related("choices", "competence_links__competence__framework")
    )


def responses_score(*, question_ids, responses):
    """Score saved responses to the given questions (attempt or sitting alike).

    Sets ``fraction`` and ``points`` on each response (the caller saves them) and
    returns (questions in the given order, responses by question id, question
    scores, per-competence scores at the framework's mastery threshold).
    """
    questions = list(questions_for_scoring(question_ids))
    order = {qid: i for i, qid in enumerate(question_ids)}
    questions.sort(key=lambda q: order[q.pk])
    specs = question_specs(questions)
    responses = {r.question_id: r for r in responses}
    scores = scoring.score_questions(
        specs, {qid: r.answer for qid, r in responses.items()}
    )
    frameworks = {
        link.competence.framework
        for q in questions
        for link in q.competence_links.all()
    }
    threshold = (
        Decimal(next(iter(frameworks)).mastery_threshold)
        if len(frameworks) == 1
        else Decimal("0.8")
    )
    by_competence = scoring.competence_scores(specs, scores, threshold=threshold)
    for score in scores:
        response = responses.get(score.question_id)
        if response is not None:
            response.fraction = score.fraction
            response.points = score.earned
    return questions, responses, scores, by_competence


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
        questions, responses, scores, by_competence = responses_score(
            question_ids=attempt.question_ids, responses=attempt.responses.all()
        )
        Response.objects.bulk_update(list(responses.values()), ["fraction", "points"])
        competences = {
            link.competence.code: link.competence
            for q in questions
            for link in q.competence_links.all()
        }
        CompetenceResult.objects.bulk_create(
            [
                CompetenceResult(
                    attempt=attempt,
                    user=attempt.user,
                    competence=competences[code],
                    earned=result.earned,
                    possible=result.possible,
                    level_rank=result.level_reached,
                    levels={
                        str(rank): [str(level.earned), str(level.possible)]
                        for rank, level in sorted(result.levels.items())
                    },
                    recorded_at=now,
                )
                for code, result in by_competence.items()
            ]
        )
        earned, possible = scoring.total(scores)
        attempt.score = earned
        attempt.max_score = possible
        attempt.percent = (
            (earned * 100 / possible).quantize(Decimal("0.01"))
            if possible
            else Decimal(0)
        )
        attempt.passed = attempt.percent >= attempt.quiz.pass_mark
        attempt.status = Attempt.Status.SUBMITTED
        attempt.submitted_at = now
        attempt.closed_by_deadline = by_deadline
        attempt.save(
            update_fields=[
                "score",
                "max_score",
                "percent",
                "passed",
                "status",
                "submitted_at",
                "closed_by_deadline",
            ]
        )
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
    attempt = Attempt.objects.filter(
        pk=attempt_id, status=Attempt.Status.IN_PROGRESS
    ).first()
    if attempt is None or not attempt.is_past_deadline(now):
        return False
    attempt_submit(attempt=attempt, user=attempt.user, now=now, by_deadline=True)
    return True


def attempts_close_overdue(*, now=None) -> int:
    now = now or timezone.now()
    ids = Attempt.objects.filter(
        status=Attempt.Status.IN_PROGRESS, deadline__lte=now
    ).values_list("pk", flat=True)
    return sum(attempt_close_if_overdue(attempt_id=pk, now=now) for pk in list(ids))
