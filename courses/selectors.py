"""Reads for the catalogue, course and lesson pages, My learning and search.

Every function here runs a fixed number of queries, whatever the number of courses
or lessons.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils.translation import get_language
from wagtail.models import Locale, Page

from competencies.models import Area, Competence, ProficiencyLevel
from competencies.selectors import framework_get_default
from courses.khmer import segment
from courses.models import (
    Audience,
    CourseCompetence,
    CoursePage,
    Enrolment,
    LessonCompletion,
    LessonPage,
)
from courses.requirements import progress_for

# A letter or digit in any script (Khmer consonants and digits included).
WORD_RE = re.compile(r"[^\W_]")

COURSE_TARGETS = Prefetch(
    "competence_targets",
    queryset=CourseCompetence.objects.select_related("competence__area", "level"),
)


def _prefer_language(pages):
    """One page per translation_key: the active language's if it exists."""
    language = get_language()
    chosen = {}
    for page in pages:
        current = chosen.get(page.translation_key)
        if current is None or (
            page.locale.language_code == language
            and current.locale.language_code != language
        ):
            chosen[page.translation_key] = page
    return chosen


@dataclass
class CatalogueFilters:
    area: str = ""
    competence: str = ""
    level: str = ""
    audience: str = ""
    language: str = ""
    areas: list = field(default_factory=list)
    competences: list = field(default_factory=list)
    levels: list = field(default_factory=list)
    audiences: list = field(default_factory=list)
    languages: list = field(default_factory=list)

    @property
    def active(self):
        return any(
            [self.area, self.competence, self.level, self.audience, self.language]
        )


def catalogue_filter_options(params) -> CatalogueFilters:
    from django.conf import settings

    framework = framework_get_default()
    filters = CatalogueFilters(
        **{
            name: (params.get(name) or "").strip()[:40]
            for name in ("area", "competence", "level", "audience", "language")
        }
    )
    if framework is not None:
        filters.areas = list(
            Area.objects.filter(framework=framework, retired_at__isnull=True)
        )
        filters.competences = list(
            Competence.objects.filter(
                framework=framework, retired_at__isnull=True
            ).select_related("area")
        )
        filters.levels = list(ProficiencyLevel.objects.filter(framework=framework))
    filters.audiences = list(Audience.choices)
    filters.languages = list(settings.LANGUAGES)
    return filters


def catalogue_list(*, index_page, filters: CatalogueFilters) -> list[CoursePage]:
    """The catalogue's courses in the active language, falling back to the other."""
    index_keys = [index_page.translation_key]
    parents = Page.objects.filter(translation_key__in=index_keys).values_list(
        "path", flat=True
    )
    courses = CoursePage.objects.live().public().select_related("locale")
    from django.db.models import Q

    under = Q()
    for path in parents:
        under |= Q(path__startswith=path)
    courses = courses.filter(under)
    if filters.area:
        courses = courses.filter(
            competence_targets__competence__area__code=filters.area
        )
    if filters.competence:
        courses = courses.filter(
            competence_targets__competence__code=filters.competence
        )
    if filters.level:
        courses = courses.filter(competence_targets__level__code=filters.level)
    if filters.audience:
        courses = courses.filter(audience__in=[filters.audience, Audience.EVERYONE])
    courses = list(courses.distinct().prefetch_related(COURSE_TARGETS).order_by("path"))
    languages_by_key = {}
    for course in courses:
        languages_by_key.setdefault(course.translation_key, set()).add(
            course.locale.language_code
        )
    if filters.language:
        courses = [
            c
            for c in courses
            if filters.language in languages_by_key[c.translation_key]
        ]
    chosen = _prefer_language(courses)
    result = sorted(chosen.values(), key=lambda c: (c.title.lower(), c.pk))
    for course in result:
        course.available_languages = sorted(languages_by_key[course.translation_key])
    return result


def _lessons_of(course_keys, language=None):
    lessons = (
        LessonPage.objects.live()
        .public()
        .filter(course_key__in=list(course_keys))
        .select_related("locale")
        .order_by("path")
    )
    return lessons


def course_outline(course: CoursePage) -> list[LessonPage]:
    """The course's lessons in order, each in the active language where it exists."""
    lessons = list(_lessons_of([course.translation_key]))
    # Order follows the tree of the course page being shown.
    own = {
        lesson.translation_key: lesson.path
        for lesson in lessons
        if lesson.path.startswith(course.path)
    }
    chosen = _prefer_language(lessons)
    return sorted(
        chosen.values(),
        key=lambda lesson: own.get(lesson.translation_key, "~" + lesson.path),
    )


def _enrolment(user, course_key):
    if not user.is_authenticated:
        return None
    return Enrolment.objects.filter(user=user, course_key=course_key).first()


def _completed_lesson_keys(user, course_key):
    if not user.is_authenticated:
        return set()
    return set(
        LessonCompletion.objects.filter(user=user, course_key=course_key).values_list(
            "lesson_key", flat=True
        )
    )


def course_page_context(*, course: CoursePage, user) -> dict:
    outline = course_outline(course)
    enrolment = _enrolment(user, course.translation_key)
    completed = _completed_lesson_keys(user, course.translation_key)
    progress = progress_for(user, [course.translation_key])[course.translation_key]
    next_lesson = _next_lesson(outline, completed, enrolment)
    targets = list(
        course.competence_targets.select_related("competence__area", "level")
    )
    extras = list(course.get_children().live().public().not_type(LessonPage).specific())
    return {
        "outline": outline,
        "extras": extras,
        "enrolment": enrolment,
        "is_enrolled": bool(
            enrolment and enrolment.status != Enrolment.Status.WITHDRAWN
        ),
        "completed_lesson_keys": completed,
        "progress": progress,
        "next_lesson": next_lesson,
        "competence_targets": targets,
        "available_languages": course_languages(course),
    }


def course_languages(course) -> list[str]:
    return sorted(
        Locale.objects.filter(
            pk__in=Page.objects.live()
            .filter(translation_key=course.translation_key)
            .values("locale_id")
        ).values_list("language_code", flat=True)
    )


def _next_lesson(outline, completed, enrolment):
    if enrolment and enrolment.last_lesson_key:
        for lesson in outline:
            if (
                lesson.translation_key == enrolment.last_lesson_key
                and lesson.translation_key not in completed
            ):
                return lesson
    for lesson in outline:
        if lesson.translation_key not in completed:
            return lesson
    return outline[0] if outline else None


def lesson_page_context(*, lesson: LessonPage, user) -> dict:
    course = lesson.get_parent().specific
    outline = course_outline(course)
    keys = [item.translation_key for item in outline]
    position = (
        keys.index(lesson.translation_key) if lesson.translation_key in keys else -1
    )
    enrolment = _enrolment(user, lesson.course_key)
    completed = _completed_lesson_keys(user, lesson.course_key)
    progress = progress_for(user, [lesson.course_key])[lesson.course_key]
    return {
        "course": course,
        "outline": outline,
        "previous_lesson": outline[position - 1] if position > 0 else None,
        "next_lesson": outline[position + 1]
        if 0 <= position < len(outline) - 1
        else None,
        "position": position + 1,
        "enrolment": enrolment,
        "is_enrolled": bool(
            enrolment and enrolment.status != Enrolment.Status.WITHDRAWN
        ),
        "is_completed": lesson.translation_key in completed,
        "completed_lesson_keys": completed,
        "progress": progress,
    }


@dataclass
class LearningItem:
    enrolment: Enrolment
    course: CoursePage | None
    progress: object
    next_lesson: LessonPage | None


def my_learning(*, user) -> dict:
    """A learner's enrolments with progress and the next lesson, in fixed queries."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .order_by("-enrolled_at")
    )
    keys = [e.course_key for e in enrolments]
    courses = _prefer_language(
        CoursePage.objects.live()
        .filter(translation_key__in=keys)
        .select_related("locale")
    )
    lessons = list(_lessons_of(keys))
    completed = set(
        LessonCompletion.objects.filter(user=user, course_key__in=keys).values_list(
            "lesson_key", flat=True
        )
    )
    progress = progress_for(user, keys)
    lessons_by_course = {}
    for lesson in _prefer_language(lessons).values():
        lessons_by_course.setdefault(lesson.course_key, []).append(lesson)
    items = []
    for enrolment in enrolments:
        course = courses.get(enrolment.course_key)
        outline = sorted(
            lessons_by_course.get(enrolment.course_key, []), key=lambda p: p.path
        )
        if course is not None:
            outline.sort(key=lambda p: (not p.path.startswith(course.path), p.path))
        items.append(
            LearningItem(
                enrolment=enrolment,
                course=course,
                progress=progress[enrolment.course_key],
                next_lesson=_next_lesson(outline, completed, enrolment),
            )
        )
    return {
        "in_progress": [
            i
            for i in items
            if i.enrolment.status == Enrolment.Status.ACTIVE and i.course
        ],
        "completed": [
            i
            for i in items
            if i.enrolment.status == Enrolment.Status.COMPLETED and i.course
        ],
    }


def search_courses(*, query: str, limit: int = 30):
    """Courses and lessons matching the query, in either language.

    The query is normalised and segmented like the index (courses.khmer.segment),
    so a Khmer word inside a sentence is found. Every word must match; a term with
    no letter or digit (a khan ។, a lone "?") is dropped, since the index holds no
    such word and it would match nothing.
    """
    terms = " ".join(t for t in segment(query or "").split() if WORD_RE.search(t))
    if not terms:
        return []
    results = []
    for model in (CoursePage, LessonPage):
        found = model.objects.live().public().search(terms, operator="and")
        results.extend(found[:limit])
    language = get_language()
    results.sort(key=lambda p: p.locale_id != _locale_id(language))
    return results[:limit]


def _locale_id(language):
    locale = Locale.objects.filter(language_code=language).first()
    return locale.pk if locale else None
