"""Build a small bilingual course tree for tests."""

import pytest
from wagtail.models import Locale, Page, Site

from competencies.models import Area, Competence, Framework, ProficiencyLevel
from courses.models import CourseCompetence, CourseIndexPage, CoursePage, LessonPage
from lms.models import HomePage


@pytest.fixture
def framework(db):
    framework = Framework.objects.create(
        code="test", name_en="Test framework", name_km="ក្របខណ្ឌសាកល្បង", is_default=True
    )
    for rank, (code, en, km) in enumerate(
        [
            ("L1", "Basic", "មូលដ្ឋាន"),
            ("L2", "Intermediate", "មធ្យម"),
            ("L3", "Advanced", "ខ្ពស់"),
        ],
        start=1,
    ):
        ProficiencyLevel.objects.create(
            framework=framework, code=code, rank=rank, name_en=en, name_km=km
        )
    safety = Area.objects.create(
        framework=framework, code="4", name_en="Safety", name_km="សុវត្ថិភាព"
    )
    info = Area.objects.create(
        framework=framework, code="1", name_en="Information", name_km="ព័ត៌មាន"
    )
    Competence.objects.create(
        area=safety,
        code="4.2",
        name_en="Protecting personal data",
        name_km="ការការពារទិន្នន័យផ្ទាល់ខ្លួន",
    )
    Competence.objects.create(
        area=info,
        code="1.2",
        name_en="Evaluating information",
        name_km="ការវាយតម្លៃព័ត៌មាន",
    )
    return framework


@pytest.fixture
def site_tree(db):
    """Locales km and en, and a home page and catalogue in both."""
    km, _ = Locale.objects.get_or_create(language_code="km")
    en, _ = Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node()
    Site.objects.all().delete()
    for child in root.get_children():
        child.delete()
    root.refresh_from_db()
    home = root.add_child(instance=HomePage(title="សាលា", slug="home", locale=km))
    home_en = home.copy_for_translation(en)
    home_en.title = "Sala"
    home_en.save_revision().publish()
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    index = home.add_child(
        instance=CourseIndexPage(title="វគ្គសិក្សា", slug="courses", locale=km)
    )
    index_en = index.copy_for_translation(en, copy_parents=False)
    index_en.title = "Courses"
    index_en.save_revision().publish()
    return {"km": km, "en": en, "home": home, "index": index, "index_en": index_en}


def make_course(
    site_tree,
    framework,
    *,
    title="Staying safe online",
    title_km="សុវត្ថិភាពលើអ៊ីនធឺណិត",
    lessons=4,
    translate=True,
    slug="safe",
    competence="4.2",
    level="L1",
    audience="everyone",
):
    km = site_tree["km"]
    course = CoursePage(
        title=title_km,
        slug=slug,
        locale=km,
        summary="<p>រៀនការពារខ្លួនពីការបោកប្រាស់។</p>",
        audience=audience,
    )
    course.competence_targets.add(
        CourseCompetence(
            competence=Competence.objects.get(framework=framework, code=competence),
            level=ProficiencyLevel.objects.get(framework=framework, code=level),
        )
    )
    site_tree["index"].add_child(instance=course)
    made = []
    for number in range(1, lessons + 1):
        lesson = LessonPage(
            title=f"មេរៀនទី {number}",
            slug=f"lesson-{number}",
            locale=km,
            summary="",
            body=[
                (
                    "paragraph",
                    "<p>កុំចុចតំណភ្ជាប់ដែលមិនស្គាល់ ព្រោះអ្នកបោកប្រាស់ចង់លួចពាក្យសម្ងាត់របស់អ្នក។</p>",
                )
            ],
        )
        course.add_child(instance=lesson)
        made.append(lesson)
    if translate:
        course_en = course.copy_for_translation(site_tree["en"])
        course_en.title = title
        course_en.summary = "<p>Learn to protect yourself from scams.</p>"
        course_en.save_revision().publish()
        for number, lesson in enumerate(made, start=1):
            lesson_en = lesson.copy_for_translation(site_tree["en"])
            lesson_en.title = f"Lesson {number}"
            lesson_en.body = [
                (
                    "paragraph",
                    "<p>Never click unknown links: scammers want your password.</p>",
                )
            ]
            lesson_en.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk), [
        LessonPage.objects.get(pk=lesson.pk) for lesson in made
    ]
