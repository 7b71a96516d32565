"""Load the demo courses shipped in courses/demo_content/ (idempotent).

Each JSON file holds one course in Khmer and English with its lessons; see
courses/demo_content/README.md for the schema. The Khmer page is the source and the
English page its translation (same translation_key).
"""

import json
from pathlib import Path

from django.db import transaction
from wagtail.models import Locale

from competencies.models import Competence, ProficiencyLevel
from competencies.selectors import framework_get_default
from courses.models import (
    CourseCompetence,
    CourseIndexPage,
    CoursePage,
    LessonCompetence,
    LessonPage,
)

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"

CATALOGUE = {
    "slug": "courses",
    "km": {
        "title": "វគ្គសិក្សា",
        "intro": "<p>វគ្គសិក្សាខ្លីៗ ជាភាសាខ្មែរ និងភាសាអង់គ្លេស "
        "ដែលភ្ជាប់ទៅនឹងក្របខណ្ឌសមត្ថភាព អ.ឌ.ប.ព.។ "
        "ជ្រើសរើសតាមចង្កោមសមត្ថភាព កម្រិត ឬក្រុមអ្នកសិក្សា។</p>",
    },
    "en": {
        "title": "Courses",
        "intro": "<p>Short courses in Khmer and English, mapped to the DMIL "
        "competency framework. Filter by competency cluster, level or audience.</p>",
    },
}


def _targets(items, framework, model):
    targets = []
    for item in items:
        competence = Competence.objects.filter(
            framework=framework, code=item["code"]
        ).first()
        level = ProficiencyLevel.objects.filter(
            framework=framework, code=item["level"]
        ).first()
        if competence and level:
            targets.append(model(competence=competence, level=level))
    return targets


def _publish(page):
    page.save_revision().publish()


def catalogue_ensure(*, home_km, locale_en) -> CourseIndexPage:
    """The catalogue page under the Khmer home page, and its English translation."""
    index = (
        CourseIndexPage.objects.child_of(home_km).filter(slug=CATALOGUE["slug"]).first()
    )
    if index is None:
        index = CourseIndexPage(
            title=CATALOGUE["km"]["title"],
            slug=CATALOGUE["slug"],
            intro=CATALOGUE["km"]["intro"],
        )
        home_km.add_child(instance=index)
        _publish(index)
    if index.get_translation_or_none(locale_en) is None:
        index_en = index.copy_for_translation(locale_en, copy_parents=True)
        index_en.title = CATALOGUE["en"]["title"]
        index_en.intro = CATALOGUE["en"]["intro"]
        _publish(index_en)
    return index


def _lesson_fields(data):
    return {
        "title": data["title"],
        "summary": data.get("summary", "")[:300],
        "body": [(block["type"], block["value"]) for block in data["body"]],
    }


@transaction.atomic
def demo_course_load(
    *, path: Path, index: CourseIndexPage, locale_en: Locale
) -> CoursePage:
    data = json.loads(path.read_text(encoding="utf-8"))
    framework = framework_get_default()
    course = CoursePage.objects.child_of(index).filter(slug=data["slug"]).first()
    if course is not None:
        return course
    course = CoursePage(
        slug=data["slug"],
        title=data["km"]["title"],
        summary=data["km"]["summary"],
        prerequisites=data["km"].get("prerequisites", ""),
        search_description=data["km"].get("search_description", ""),
        audience=data.get("audience", "everyone"),
        estimated_hours=data.get("estimated_hours", 1),
    )
    course.competence_targets = _targets(
        data["competences"], framework, CourseCompetence
    )
    index.add_child(instance=course)
    _publish(course)
    course_en = course.copy_for_translation(locale_en)
    course_en.title = data["en"]["title"]
    course_en.summary = data["en"]["summary"]
    course_en.prerequisites = data["en"].get("prerequisites", "")
    course_en.search_description = data["en"].get("search_description", "")
    _publish(course_en)
    for lesson_data in data["lessons"]:
        lesson = LessonPage(
            slug=lesson_data["slug"],
            required=lesson_data.get("required", True),
            estimated_minutes=lesson_data.get("estimated_minutes", 10),
            **_lesson_fields(lesson_data["km"]),
        )
        lesson.competence_targets = _targets(
            lesson_data.get("competences", []), framework, LessonCompetence
        )
        course.add_child(instance=lesson)
        _publish(lesson)
        lesson_en = lesson.copy_for_translation(locale_en)
        for name, value in _lesson_fields(lesson_data["en"]).items():
            setattr(lesson_en, name, value)
        _publish(lesson_en)
    return course


def demo_courses_load(*, home_km) -> list[CoursePage]:
    """Create the catalogue and every demo course. Running it twice changes nothing."""
    locale_en = Locale.objects.get(language_code="en")
    index = catalogue_ensure(home_km=home_km, locale_en=locale_en)
    return [
        demo_course_load(path=path, index=index, locale_en=locale_en)
        for path in sorted(CONTENT_DIR.glob("*.json"))
    ]
