import pytest

from courses import services
from courses.models import LessonPage
from tests.courses.conftest import make_course


@pytest.fixture
def two_courses(site_tree, framework):
    safe = make_course(site_tree, framework)
    check = make_course(
        site_tree,
        framework,
        slug="check",
        title="Check before you share",
        title_km="ពិនិត្យមុនចែករំលែក",
        competence="1.2",
        level="L2",
        audience="student",
        translate=False,
    )
    return safe, check


def titles(response):
    return [course.title for course in response.context["courses"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Check before you share", "Staying safe online"]),
        ("?area=4", ["Staying safe online"]),
        ("?area=1", ["Check before you share"]),
        ("?competence=1.2", ["Check before you share"]),
        ("?level=L1", ["Staying safe online"]),
        ("?level=L3", []),
        ("?audience=student", ["Check before you share", "Staying safe online"]),
        ("?audience=civil_servant", ["Staying safe online"]),
        ("?language=en", ["Staying safe online"]),
        ("?language=km", ["Check before you share", "Staying safe online"]),
        ("?area=4&language=km", ["Staying safe online"]),
    ],
)
def test_catalogue_filters(client, two_courses, query, expected):
    response = client.get("/en/courses/" + query)
    assert response.status_code == 200
    # The Khmer-only course is listed under its Khmer title, as a fallback.
    shown = [
        "Check before you share" if title == "ពិនិត្យមុនចែករំលែក" else title
        for title in titles(response)
    ]
    assert sorted(shown) == sorted(expected)


def test_catalogue_in_khmer_shows_khmer_titles(client, two_courses):
    response = client.get("/km/courses/")
    assert sorted(titles(response)) == sorted(["សុវត្ថិភាពលើអ៊ីនធឺណិត", "ពិនិត្យមុនចែករំលែក"])


def test_khmer_search_finds_a_word_inside_a_sentence(client, two_courses):
    # The lesson says "...អ្នកបោកប្រាស់ចង់លួចពាក្យសម្ងាត់របស់អ្នក។" with no spaces.
    response = client.get("/km/search/", {"q": "ពាក្យសម្ងាត់"})
    results = response.context["results"]
    assert results, "a Khmer word in the middle of a sentence must be found"
    assert all(isinstance(r, LessonPage) for r in results)
    assert {r.locale.language_code for r in results} == {"km"}
    response = client.get("/km/search/", {"q": "បោកប្រាស់"})
    assert response.context["results"]


def test_khmer_search_in_course_summary(client, two_courses):
    response = client.get("/km/search/", {"q": "ការពារខ្លួន"})
    assert any(r.title == "សុវត្ថិភាពលើអ៊ីនធឺណិត" for r in response.context["results"])


def test_english_search(client, two_courses):
    response = client.get("/en/search/", {"q": "password"})
    results = response.context["results"]
    assert results
    assert {r.locale.language_code for r in results} == {"en"}
    response = client.get("/en/search/", {"q": "zebra"})
    assert response.context["results"] == []


def test_search_ignores_unpublished_lessons(client, site_tree, framework):
    _course, lessons = make_course(site_tree, framework, translate=False, lessons=1)
    lessons[0].unpublish()
    response = client.get("/km/search/", {"q": "ពាក្យសម្ងាត់"})
    assert response.context["results"] == []


@pytest.mark.parametrize("view", ["lesson", "course", "my_learning"])
def test_query_counts_do_not_grow_with_lessons(
    client, django_user_model, site_tree, framework, django_assert_max_num_queries, view
):
    """The same pages for a course of 5 lessons and of 50 run the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, small_lessons = make_course(site_tree, framework, lessons=5, translate=False)
    big, big_lessons = make_course(
        site_tree, framework, slug="big", lessons=50, translate=False
    )
    runs = []
    for number, (course, lessons) in enumerate(
        ((small, small_lessons), (big, big_lessons))
    ):
        learner = django_user_model.objects.create_user(
            email=f"q{number}@example.org", password="x"
        )
        services.enrolment_create(user=learner, course=course)
        for lesson in lessons[:3]:
            services.lesson_complete(user=learner, lesson=lesson)
        client.force_login(learner)
        url = {
            "lesson": lessons[2].url,
            "course": course.url,
            "my_learning": "/km/learning/",
        }[view]
        client.get(url)  # warm caches (site root, locales)
        with CaptureQueriesContext(connection) as run:
            assert client.get(url).status_code == 200
        runs.append(len(run.captured_queries))
    assert runs[1] == runs[0], runs
    with django_assert_max_num_queries(runs[0]):
        client.get(url)
