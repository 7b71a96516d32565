"""Reads for quiz, attempt, result and competency-profile pages (fixed query counts)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from assessments import scoring
from assessments.charts import level_bar_chart
from assessments.models import (
    Attempt,
    Choice,
    CompetenceResult,
    Question,
    QuestionCompetence,
    QuizPage,
    Response,
)
from competencies.levels import level_label
from competencies.models import Competence, Framework, ProficiencyLevel
from competencies.selectors import framework_get_default, framework_tree
from courses.models import Enrolment


def quiz_grade(quiz: QuizPage, attempts) -> Decimal | None:
    percents = [
        Decimal(a.percent) for a in attempts if a.status == Attempt.Status.SUBMITTED
    ]
    return scoring.grade(percents, quiz.grading_method)


def quiz_page_context(*, quiz: QuizPage, user) -> dict:
    attempts = []
    enrolled = False
    if user.is_authenticated:
        attempts = list(
            Attempt.objects.filter(user=user, quiz_key=quiz.translation_key).order_by(
                "number"
            )
        )
        enrolled = Enrolment.objects.filter(
            user=user,
            course_key=quiz.course_key,
            status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED],
        ).exists()
    in_progress = next(
        (a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None
    )
    used = len(attempts)
    remaining = (
        None if not quiz.attempts_allowed else max(0, quiz.attempts_allowed - used)
    )
    grade = quiz_grade(quiz, attempts)
    return {
        "course": quiz.get_parent().specific,
        "attempts": attempts,
        "in_progress": in_progress,
        "attempts_remaining": remaining,
        "grade": grade,
        "passed": grade is not None and grade >= quiz.pass_mark,
        "is_enrolled": enrolled,
        "is_open": quiz.is_open(),
        "can_start": enrolled
        and quiz.is_open()
        and (in_progress is not None or remaining is None or remaining > 0),
    }


@dataclass
class ShownQuestion:
    """A question as the learner sees it: no correctness, choices as laid out."""

    number: int
    question: Question
    choices: list[Choice]
    answer: dict = field(default_factory=dict)
    response: Response | None = None

    @property
    def chosen_ids(self):
        return set(self.answer.get("choices", []))

    @property
    def ordering_rows(self):
        """(choice, position) for ordering questions: the saved order, else as shown."""
        order = self.answer.get("order") or []
        saved = {choice_id: index + 1 for index, choice_id in enumerate(order)}
        return [
            (choice, saved.get(choice.pk, index + 1))
            for index, choice in enumerate(self.choices)
        ]

    @property
    def positions(self):
        return range(1, len(self.choices) + 1)


def _shown_questions(attempt: Attempt) -> list[ShownQuestion]:
    ids = attempt.question_ids
    questions = (
        Question.objects.filter(pk__in=ids)
        .select_related("level", "image")
        .prefetch_related(
            Prefetch("choices", queryset=Choice.objects.order_by("sort_order", "pk")),
            Prefetch(
                "competence_links",
                queryset=QuestionCompetence.objects.select_related("competence"),
            ),
        )
        .in_bulk()
    )
    return shown_questions(
        layout=attempt.layout, questions=questions, responses=attempt.responses.all()
    )


def shown_questions(*, layout, questions, responses) -> list[ShownQuestion]:
    """The questions of an attempt or sitting in the order it showed them, each
    with its saved answer. ``questions``: the questions by id, choices prefetched."""
    responses = {r.question_id: r for r in responses}
    shown = []
    for number, item in enumerate(layout, start=1):
        question = questions[item["question"]]
        by_id = {c.pk: c for c in question.choices.all()}
        response = responses.get(question.pk)
        shown.append(
            ShownQuestion(
                number=number,
                question=question,
                choices=[by_id[c] for c in item["choices"] if c in by_id],
                answer=response.answer if response else {},
                response=response,
            )
        )
    return shown


def attempt_take_context(*, attempt: Attempt, now=None) -> dict:
    now = now or timezone.now()
    remaining = None
    if attempt.deadline:
        remaining = max(0, int((attempt.deadline - now).total_seconds()))
    return {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "questions": _shown_questions(attempt),
        "seconds_remaining": remaining,
    }


@dataclass
class CompetenceLine:
    competence: Competence
    level: ProficiencyLevel | None
    earned: Decimal
    possible: Decimal
    levels: list  # [(ProficiencyLevel, earned, possible, share)]
    pre_level: ProficiencyLevel | None = None
    has_pre: bool = False
    # The framework's first level, for "below <first level>".
    first_level: ProficiencyLevel | None = None

    @property
    def percent(self):
        return int(self.earned * 100 / self.possible) if self.possible else 0

    @property
    def gain(self):
        now = self.level.rank if self.level else 0
        before = self.pre_level.rank if self.pre_level else 0
        return now - before


def _levels_by_rank(framework_ids):
    return {
        (level.framework_id, level.rank): level
        for level in ProficiencyLevel.objects.filter(framework_id__in=framework_ids)
    }


def competence_lines(results, pre_results=None) -> list[CompetenceLine]:
    results = list(results)
    framework_ids = {r.competence.framework_id for r in results}
    levels = _levels_by_rank(framework_ids)
    first = {}
    for (framework_id, rank), level in levels.items():
        if framework_id not in first or rank < first[framework_id].rank:
            first[framework_id] = level
    pre = {r.competence_id: r for r in (pre_results or [])}
    lines = []
    for result in results:
        fw = result.competence.framework_id
        detail = []
        for rank, (earned, possible) in sorted(
            result.levels.items(), key=lambda kv: int(kv[0])
        ):
            earned, possible = Decimal(earned), Decimal(possible)
            detail.append(
                (
                    levels.get((fw, int(rank))),
                    earned,
                    possible,
                    int(earned * 100 / possible) if possible else 0,
                )
            )
        before = pre.get(result.competence_id)
        lines.append(
            CompetenceLine(
                competence=result.competence,
                level=levels.get((fw, result.level_rank)),
                earned=result.earned,
                possible=result.possible,
                levels=detail,
                pre_level=levels.get((fw, before.level_rank)) if before else None,
                has_pre=before is not None,
                first_level=first.get(fw),
            )
        )
    lines.sort(key=lambda line: (line.competence.sort_order, line.competence.code))
    return lines


def attempt_result_context(*, attempt: Attempt, now=None) -> dict:
    quiz = attempt.quiz
    show_answers = quiz.answers_visible(now)
    results = CompetenceResult.objects.filter(attempt=attempt).select_related(
        "competence"
    )
    pre_results = None
    pretest = None
    if not quiz.is_diagnostic and attempt.course_key:
        pretest_attempt = (
            Attempt.objects.filter(
                user=attempt.user,
                course_key=attempt.course_key,
                status=Attempt.Status.SUBMITTED,
                quiz__is_diagnostic=True,
            )
            .order_by("-submitted_at")
            .first()
        )
        if pretest_attempt:
            pretest = pretest_attempt
            pre_results = list(CompetenceResult.objects.filter(attempt=pretest_attempt))
    attempts = list(
        Attempt.objects.filter(user=attempt.user, quiz_key=attempt.quiz_key).order_by(
            "number"
        )
    )
    grade = quiz_grade(quiz, attempts)
    return {
        "attempt": attempt,
        "quiz": quiz,
        "course": quiz.get_parent().specific,
        "show_answers": show_answers,
        "questions": _shown_questions(attempt),
        "competences": competence_lines(results, pre_results),
        "pretest_attempt": pretest,
        "grade": grade,
        "passed_quiz": grade is not None and grade >= quiz.pass_mark,
    }


# --- Competency profile -----------------------------------------------------------


@dataclass
class ProfileEntry:
    competence: Competence
    level: ProficiencyLevel | None
    rank: int
    assessed: bool
    attempts: int


def competency_profile(*, user, framework: Framework | None = None) -> dict:
    """A learner's level on every competence of a framework, aggregated across
    attempts by the framework's method."""
    framework = framework or framework_get_default()
    if framework is None:
        return {"framework": None, "areas": [], "levels": []}
    levels = list(framework.levels.all())
    by_rank = {level.rank: level for level in levels}
    history = defaultdict(list)
    for result in CompetenceResult.objects.filter(
        user=user, competence__framework=framework
    ).order_by("recorded_at", "pk"):
        history[result.competence_id].append(result.level_rank)
    areas = []
    for area in framework_tree(framework=framework):
        entries = []
        for competence in area.competences.all():
            ranks = history.get(competence.pk, [])
            rank = (
                scoring.aggregate_levels(ranks, framework.aggregation) if ranks else 0
            )
            entries.append(
                ProfileEntry(
                    competence=competence,
                    level=by_rank.get(rank),
                    rank=rank,
                    assessed=bool(ranks),
                    attempts=len(ranks),
                )
            )
        chart = level_bar_chart(
            [
                (
                    f"{e.competence.code} {e.competence.name}",
                    e.rank,
                    level_label(
                        e.level,
                        assessed=e.assessed,
                        first_level=levels[0] if levels else None,
                    ),
                )
                for e in entries
            ],
            [(level.rank, level.name) for level in levels],
        )
        areas.append({"area": area, "entries": entries, "chart": chart})
    return {
        "framework": framework,
        "threshold_percent": int(Decimal(framework.mastery_threshold) * 100),
        "levels": levels,
        "max_rank": max(by_rank) if by_rank else 3,
        "areas": areas,
        "assessed_count": sum(1 for a in areas for e in a["entries"] if e.assessed),
    }


def competence_why(*, user, competence: Competence) -> dict:
    """The attempts and questions behind a learner's level on one competence."""
    framework = competence.framework
    results = list(
        CompetenceResult.objects.filter(user=user, competence=competence)
        .select_related("attempt__quiz")
        .order_by("recorded_at", "pk")
    )
    levels = {level.rank: level for level in framework.levels.all()}
    ranks = [r.level_rank for r in results]
    rank = scoring.aggregate_levels(ranks, framework.aggregation) if ranks else 0
    attempt_ids = [r.attempt_id for r in results]
    responses = defaultdict(list)
    question_ids = set(
        QuestionCompetence.objects.filter(competence=competence).values_list(
            "question_id", flat=True
        )
    )
    for response in (
        Response.objects.filter(
            attempt_id__in=attempt_ids, question_id__in=question_ids
        )
        .select_related("question__level")
        .order_by("pk")
    ):
        responses[response.attempt_id].append(response)
    rows = []
    for result in results:
        detail = []
        for level_rank, (earned, possible) in sorted(
            result.levels.items(), key=lambda kv: int(kv[0])
        ):
            earned, possible = Decimal(earned), Decimal(possible)
            detail.append(
                {
                    "level": levels.get(int(level_rank)),
                    "earned": earned,
                    "possible": possible,
                    "percent": int(earned * 100 / possible) if possible else 0,
                }
            )
        rows.append(
            {
                "result": result,
                "attempt": result.attempt,
                "level": levels.get(result.level_rank),
                "detail": detail,
                "responses": responses.get(result.attempt_id, []),
            }
        )
    return {
        "competence": competence,
        "framework": framework,
        "level": levels.get(rank),
        "rank": rank,
        "assessed": bool(results),
        "first_level": levels[min(levels)] if levels else None,
        "rows": rows,
        "threshold_percent": int(Decimal(framework.mastery_threshold) * 100),
        "method": framework.get_aggregation_display(),
    }
