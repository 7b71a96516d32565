"""Required quizzes as course requirements (registered in AssessmentsConfig.ready)."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments import scoring
from courses.requirements import Requirement


class QuizRequirements:
    """A required quiz is met when the learner's grade reaches its pass mark."""

    def requirements(self, course_keys):
        from assessments.models import QuizPage

        language = get_language()
        quizzes = (
            QuizPage.objects.live()
            .filter(
                course_key__in=list(course_keys), required=True, is_diagnostic=False
            )
            .select_related("locale")
            .order_by("path")
        )
        chosen = {}
        for quiz in quizzes:
            current = chosen.get(quiz.translation_key)
            if current is None or (
                quiz.locale.language_code == language
                and current.locale.language_code != language
            ):
                chosen[quiz.translation_key] = quiz
        result = defaultdict(list)
        for quiz in sorted(chosen.values(), key=lambda q: q.path):
            result[quiz.course_key].append(
                Requirement(
                    key=f"quiz:{quiz.translation_key}",
                    label=_("Pass the quiz “%(title)s”") % {"title": quiz.title},
                    url=quiz.url or "",
                    kind="quiz",
                )
            )
        return result

    def met(self, user, course_keys):
        from assessments.models import Attempt

        attempts = (
            Attempt.objects.filter(
                user=user,
                course_key__in=list(course_keys),
                status=Attempt.Status.SUBMITTED,
            )
            .select_related("quiz")
            .order_by("submitted_at", "pk")
        )
        by_quiz = defaultdict(list)
        for attempt in attempts:
            by_quiz[attempt.quiz_key].append(attempt)
        met = set()
        for quiz_key, items in by_quiz.items():
            quiz = items[-1].quiz
            grade = scoring.grade(
                [Decimal(a.percent) for a in items], quiz.grading_method
            )
            if grade is not None and grade >= quiz.pass_mark:
                met.add(f"quiz:{quiz_key}")
        return met


quiz_requirements = QuizRequirements()
