"""What a learner must do to complete a course, from any app.

courses knows only lessons. Another app (assessments, for its required quizzes)
registers a provider at start-up; courses calls it without importing that app.
Providers answer for many courses at once so that pages listing several courses
keep a constant number of queries.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from django.utils.translation import get_language


@dataclass(frozen=True)
class Requirement:
    key: str  # unique within the course, stable across languages: "lesson:<uuid>"
    label: str
    url: str = ""
    kind: str = "lesson"


class RequirementProvider(Protocol):
    def requirements(
        self, course_keys: Collection[UUID]
    ) -> dict[UUID, list[Requirement]]:
        """The requirements of each course."""

    def met(self, user, course_keys: Collection[UUID]) -> set[str]:
        """The keys of the requirements the user has met in these courses."""


_providers: list[RequirementProvider] = []


def requirement_provider_register(provider: RequirementProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def requirement_providers() -> list[RequirementProvider]:
    return list(_providers)


class LessonRequirements:
    """Every live, required lesson of the course, in any language, counts once."""

    def requirements(self, course_keys):
        from courses.models import LessonPage

        language = get_language()
        lessons = (
            LessonPage.objects.live()
            .filter(course_key__in=list(course_keys), required=True)
            .select_related("locale")
            .order_by("path")
        )
        chosen = {}
        for lesson in lessons:
            current = chosen.get(lesson.translation_key)
            if current is None or (
                lesson.locale.language_code == language
                and current.locale.language_code != language
            ):
                chosen[lesson.translation_key] = lesson
        result = defaultdict(list)
        for lesson in sorted(chosen.values(), key=lambda page: page.path):
            result[lesson.course_key].append(
                Requirement(
                    key=f"lesson:{lesson.translation_key}",
                    label=lesson.title,
                    url=lesson.url or "",
                )
            )
        return result

    def met(self, user, course_keys):
        from courses.models import LessonCompletion

        keys = LessonCompletion.objects.filter(
            user=user, course_key__in=list(course_keys)
        ).values_list("lesson_key", flat=True)
        return {f"lesson:{key}" for key in keys}


lesson_requirements = LessonRequirements()
requirement_provider_register(lesson_requirements)


@dataclass
class Progress:
    total: int
    done: int
    pending: list[Requirement]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total


def progress_for(user, course_keys: Collection[UUID]) -> dict[UUID, Progress]:
    """Each course's progress for one learner: one query pair per provider."""
    course_keys = list(course_keys)
    all_requirements = defaultdict(list)
    met = set()
    for provider in requirement_providers():
        for course_key, items in provider.requirements(course_keys).items():
            all_requirements[course_key].extend(items)
        if user is not None and user.is_authenticated:
            met |= provider.met(user, course_keys)
    result = {}
    for course_key in course_keys:
        items = all_requirements.get(course_key, [])
        done = [r for r in items if r.key in met]
        result[course_key] = Progress(
            total=len(items),
            done=len(done),
            pending=[r for r in items if r.key not in met],
        )
    return result
