import pytest
from django.urls import reverse
from django.utils import translation

from courses import services
from courses.models import Enrolment, LessonCompletion, LessonPage
from courses.signals import course_completed
from tests.courses.conftest import make_course


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        email="dara@example.org", password="x-password-1", full_name_latin="SOK Dara"
    )


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(
        email="other@example.org", password="x-password-1"
    )


def test_enrol_twice_is_harmless(client, learner, site_tree, framework):
    course, _lessons = make_course(site_tree, framework)
    client.force_login(learner)
    for _ in range(2):
        response = client.post(reverse("courses:enrol", args=[course.pk]))
        assert response.status_code == 302
    assert Enrolment.objects.filter(user=learner).count() == 1


def test_progress_carries_across_languages(client, learner, site_tree, framework):
    course, lessons = make_course(site_tree, framework, lessons=4)
    client.force_login(learner)
    client.post(reverse("courses:enrol", args=[course.pk]))
    # Two lessons completed on the Khmer pages...
    for lesson in lessons[:2]:
        client.post(reverse("courses:lesson_complete", args=[lesson.pk]))
    # ...show as progress on the English course page.
    response = client.get("/en/courses/safe/")
    assert response.status_code == 200
    assert response.context["progress"].done == 2
    assert response.context["progress"].total == 4
    assert response.context["is_enrolled"]
    # Completing an English lesson counts for the same lesson identity.
    lesson_en = LessonPage.objects.get(
        translation_key=lessons[2].translation_key, locale=site_tree["en"]
    )
    client.post(reverse("courses:lesson_complete", args=[lesson_en.pk]))
    assert LessonCompletion.objects.filter(user=learner).count() == 3
    response = client.get("/km/courses/safe/")
    assert response.context["progress"].done == 3


def test_completion_requires_required_lessons_only_and_fires_once(
    learner, site_tree, framework, django_capture_on_commit_callbacks
):
    course, lessons = make_course(site_tree, framework, lessons=3)
    optional = lessons[2]
    optional.required = False
    optional.save_revision().publish()
    received = []

    def receiver(sender, enrolment, user, course_key, **kwargs):
        received.append((user.pk, course_key))

    course_completed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.enrolment_create(user=learner, course=course)
            services.lesson_complete(user=learner, lesson=lessons[0])
        assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            services.lesson_complete(user=learner, lesson=lessons[1])
            services.lesson_complete(user=learner, lesson=lessons[1])
            services.lesson_complete(user=learner, lesson=optional)
            services.enrolment_create(user=learner, course=course)
    finally:
        course_completed.disconnect(receiver)
    assert received == [(learner.pk, course.translation_key)]
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert enrolment.completed_at is not None


def test_completing_a_lesson_without_enrolment_is_refused(
    client, learner, site_tree, framework
):
    _course, lessons = make_course(site_tree, framework)
    client.force_login(learner)
    response = client.post(reverse("courses:lesson_complete", args=[lessons[0].pk]))
    assert response.status_code == 403
    # The refusal is explained in the page's language (Khmer here).
    message = "Enrol in the course before completing its lessons."
    with translation.override("km"):
        khmer = translation.gettext(message)
    assert khmer != message
    assert khmer in response.content.decode()
    assert not LessonCompletion.objects.exists()


def test_unpublished_lesson_is_not_shown(client, learner, site_tree, framework):
    _course, lessons = make_course(site_tree, framework, translate=False)
    lessons[1].unpublish()
    assert client.get("/km/courses/safe/lesson-2/").status_code == 404
    client.force_login(learner)
    response = client.post(reverse("courses:lesson_complete", args=[lessons[1].pk]))
    assert response.status_code == 404
    page = client.get("/km/courses/safe/")
    assert "lesson-2" not in page.content.decode()


def test_private_course_is_not_listed(client, site_tree, framework):
    from wagtail.models import PageViewRestriction

    course, _lessons = make_course(site_tree, framework, translate=False)
    PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.LOGIN
    )
    response = client.get("/km/courses/")
    assert course.title not in response.content.decode()


def test_learners_see_only_their_own_progress(
    client, learner, other, site_tree, framework
):
    course, lessons = make_course(site_tree, framework)
    services.enrolment_create(user=learner, course=course)
    services.lesson_complete(user=learner, lesson=lessons[0])
    client.force_login(other)
    response = client.get("/km/courses/safe/")
    assert response.context["progress"].done == 0
    assert not response.context["is_enrolled"]
    response = client.get(reverse("courses:my_learning"))
    assert response.context["in_progress"] == []


def test_unenrol_keeps_progress_and_resume_goes_to_next_lesson(
    client, learner, site_tree, framework
):
    course, lessons = make_course(site_tree, framework)
    client.force_login(learner)
    client.post(reverse("courses:enrol", args=[course.pk]))
    client.post(reverse("courses:lesson_complete", args=[lessons[0].pk]))
    response = client.get(reverse("courses:resume", args=[course.pk]))
    assert response.url == lessons[1].url
    client.post(reverse("courses:unenrol", args=[course.pk]))
    assert Enrolment.objects.get(user=learner).status == Enrolment.Status.WITHDRAWN
    client.post(reverse("courses:enrol", args=[course.pk]))
    assert Enrolment.objects.get(user=learner).status == Enrolment.Status.ACTIVE
    assert LessonCompletion.objects.filter(user=learner).count() == 1


def test_my_learning_lists_progress_and_completed(
    client, learner, site_tree, framework
):
    course, lessons = make_course(site_tree, framework, lessons=2)
    second, second_lessons = make_course(
        site_tree,
        framework,
        slug="check",
        title="Check first",
        title_km="ពិនិត្យមុន",
        lessons=2,
    )
    services.enrolment_create(user=learner, course=course)
    services.enrolment_create(user=learner, course=second)
    for lesson in second_lessons:
        services.lesson_complete(user=learner, lesson=lesson)
    services.lesson_complete(user=learner, lesson=lessons[0])
    client.force_login(learner)
    response = client.get("/en/learning/")
    assert [i.course.title for i in response.context["in_progress"]] == [
        "Staying safe online"
    ]
    item = response.context["in_progress"][0]
    assert item.progress.percent == 50
    assert item.next_lesson.translation_key == lessons[1].translation_key
    assert item.next_lesson.locale.language_code == "en"
    assert [i.course.title for i in response.context["completed"]] == ["Check first"]


def test_page_missing_in_language_falls_back_with_notice(client, site_tree, framework):
    make_course(site_tree, framework, translate=False)
    response = client.get("/en/courses/safe/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "not yet available in your language" in html
    assert "សុវត្ថិភាពលើអ៊ីនធឺណិត" in html
    catalogue = client.get("/en/courses/").content.decode()
    assert "Only available in" in catalogue


def test_opening_a_lesson_is_where_resume_and_the_course_page_continue(
    client, learner, site_tree, framework
):
    course, lessons = make_course(site_tree, framework, lessons=4)
    client.force_login(learner)
    # Opened before enrolling: nothing to remember yet.
    assert client.get(lessons[2].url).status_code == 200
    client.post(reverse("courses:enrol", args=[course.pk]))
    assert Enrolment.objects.get(user=learner).last_lesson_key is None
    assert client.get(reverse("courses:resume", args=[course.pk])).url == lessons[0].url

    assert client.get(lessons[2].url).status_code == 200
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.last_lesson_key == lessons[2].translation_key
    assert client.get(reverse("courses:resume", args=[course.pk])).url == lessons[2].url
    page = client.get(course.url).content.decode()
    with translation.override("km"):
        resume = translation.gettext("Resume")
    assert f'href="{lessons[2].url}">{resume}</a>' in page

    # The same lesson in the other language is the same place in the course.
    km_lesson = lessons[3].get_translation(site_tree["km"])
    assert client.get(km_lesson.url).status_code == 200
    assert (
        Enrolment.objects.get(user=learner).last_lesson_key
        == lessons[3].translation_key
    )
    # Once that lesson is done, "Continue" goes to the first lesson still to do.
    client.post(reverse("courses:lesson_complete", args=[lessons[3].pk]))
    assert client.get(reverse("courses:resume", args=[course.pk])).url == lessons[0].url


def test_an_editor_preview_does_not_move_the_learners_place(
    client, learner, site_tree, framework
):
    course, lessons = make_course(site_tree, framework, lessons=2)
    services.enrolment_create(user=learner, course=course)
    request_factory_lesson = lessons[1]
    from django.test import RequestFactory

    request = RequestFactory().get(request_factory_lesson.url)
    request.user = learner
    request.is_preview = True
    request_factory_lesson.serve(request)
    assert Enrolment.objects.get(user=learner).last_lesson_key is None


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https://evil.example/learning/",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_enrol_never_sends_the_learner_off_site(
    client, learner, site_tree, framework, target
):
    course, _lessons = make_course(site_tree, framework, lessons=1)
    client.force_login(learner)
    response = client.post(reverse("courses:enrol", args=[course.pk]), {"next": target})
    assert response.status_code == 302
    assert response.url == course.url


def test_enrol_goes_back_to_a_page_of_the_site(client, learner, site_tree, framework):
    course, _lessons = make_course(site_tree, framework, lessons=1)
    client.force_login(learner)
    response = client.post(
        reverse("courses:enrol", args=[course.pk]), {"next": "/learning/?tab=1"}
    )
    assert response.url == "/learning/?tab=1"
