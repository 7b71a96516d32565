"""The attempt engine: what a quiz attempt and a competition sitting share.

Both are a ``SittingBase`` (assessments.models) with answers (``ResponseBase``) and
per-competence scores (``CompetenceScoreBase``). This module writes their
answers, scores and records them once, and closes them at the deadline; the
owners add only what is theirs (a quiz's pass mark and course completion; a
contest's receipt, time used and audit trail). The caller holds the row lock of
the attempt or sitting (``select_for_update``) around ``answers_write`` and
``scores_record``.

The answer and competence-score models are found from the sitting's
``responses`` manager and its ``competence_row`` method, so one code path serves
both.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from assessments import kinds, scoring


class AssessmentError(Exception):
    """A refused action; ``status`` is the HTTP status a view should answer with."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- Answers ------------------------------------------------------------------------


def parse_answer(*, question, layout_choices: list[int], data, prefix: str):
    """Read one question's answer from form data; refuse choices not shown."""
    kind = kinds.get(question.kind)
    if kind is None:
        raise AssessmentError(_("Unknown question kind."))
    try:
        return kind.parse(layout_choices=layout_choices, data=data, prefix=prefix)
    except kinds.AnswerRefused as refused:
        raise AssessmentError(refused.message) from None


def answers_write(*, sitting, data, question_ids=None, now) -> list[tuple[int, dict]]:
    """Store the answers in ``data`` (form fields ``q-<question id>``) of a locked
    sitting in progress: only its own questions, only choices it showed. Returns
    the (question id, answer) pairs that changed."""
    from assessments.models import Question

    layout = {item["question"]: item["choices"] for item in sitting.layout}
    wanted = list(layout) if question_ids is None else list(question_ids)
    for question_id in wanted:
        if question_id not in layout:
            raise AssessmentError(sitting.FOREIGN_QUESTION)
    # No ordering: the default one joins the bank for nothing.
    questions = Question.objects.only("pk", "kind").order_by().in_bulk(wanted)
    manager = sitting.responses
    response_model, owner = manager.model, manager.field.name
    existing = {r.question_id: r for r in manager.filter(question_id__in=wanted)}
    to_create, to_update, changed = [], [], []
    for question_id in wanted:
        answer = parse_answer(
            question=questions[question_id],
            layout_choices=layout[question_id],
            data=data,
            prefix=f"q-{question_id}",
        )
        if answer is None:
            continue
        response = existing.get(question_id)
        if response is None:
            to_create.append(
                response_model(
                    **{owner: sitting},
                    question_id=question_id,
                    answer=answer,
                    saved_at=now,
                )
            )
        elif response.answer != answer:
            response.answer = answer
            response.saved_at = now
            to_update.append(response)
        else:
            continue
        changed.append((question_id, answer))
    response_model.objects.bulk_create(to_create)
    response_model.objects.bulk_update(to_update, ["answer", "saved_at"])
    return changed


# --- Scoring --------------------------------------------------------------------------


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
    from assessments.models import Question

    return (
        Question.objects.filter(pk__in=question_ids)
        .select_related("level")
        .prefetch_related("choices", "competence_links__competence__framework")
    )


def responses_score(*, question_ids, responses):
    """Score saved responses to the given questions.

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


# The fields ``scores_record`` sets on the sitting; its owner saves them with its own.
SCORED_FIELDS = [
    "score",
    "max_score",
    "percent",
    "status",
    "submitted_at",
    "closed_by_deadline",
]


def scores_record(*, sitting, now, by_deadline: bool) -> dict[int, dict]:
    """Score a locked sitting in progress and record it: each answer's fraction and
    points, one score per competence, the totals and the submitted state (set on
    ``sitting``, saved by the caller with ``SCORED_FIELDS``). Returns the answers
    scored, by question id."""
    questions, responses, scores, by_competence = responses_score(
        question_ids=sitting.question_ids, responses=sitting.responses.all()
    )
    sitting.responses.model.objects.bulk_update(
        list(responses.values()), ["fraction", "points"]
    )
    competences = {
        link.competence.code: link.competence
        for q in questions
        for link in q.competence_links.all()
    }
    rows = [
        sitting.competence_row(
            competence=competences[code],
            earned=result.earned,
            possible=result.possible,
            level_rank=result.level_reached,
            levels={
                str(rank): [str(level.earned), str(level.possible)]
                for rank, level in sorted(result.levels.items())
            },
            now=now,
        )
        for code, result in by_competence.items()
    ]
    if rows:
        type(rows[0]).objects.bulk_create(rows)
    earned, possible = scoring.total(scores)
    sitting.score = earned
    sitting.max_score = possible
    sitting.percent = (
        (earned * 100 / possible).quantize(Decimal("0.01")) if possible else Decimal(0)
    )
    sitting.status = sitting.Status.SUBMITTED
    sitting.submitted_at = now
    sitting.closed_by_deadline = by_deadline
    return {qid: r.answer for qid, r in responses.items()}


# --- The deadline ---------------------------------------------------------------------


def close_if_overdue(model, *, pk, now, submit) -> bool:
    """Close one sitting of ``model`` whose deadline has passed, by ``submit(sitting)``
    (which scores it once). Safe to run any number of times."""
    sitting = model.objects.filter(pk=pk, status=model.Status.IN_PROGRESS).first()
    if sitting is None or not sitting.is_past_deadline(now):
        return False
    submit(sitting)
    return True


def overdue_ids(queryset, *, now) -> list[int]:
    """The sittings of ``queryset`` in progress past their deadline."""
    model = queryset.model
    return list(
        queryset.filter(status=model.Status.IN_PROGRESS, deadline__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
