"""Editors write a course and its lessons in the Wagtail admin, then translate them."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from wagtail.models import Page
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from courses.models import CourseIndexPage, CoursePage, LessonPage


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        email="editor@example.org", password="x-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    # Editors must use two-factor authentication; give this one a TOTP device.
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def test_editor_creates_and_translates_a_course(client, editor, site_tree, framework):
    from competencies.models import Competence, ProficiencyLevel

    client.force_login(editor)
    index = site_tree["index"]
    competence = Competence.objects.get(code="4.2")
    level = ProficiencyLevel.objects.get(framework=framework, code="L1")
    data = nested_form_data(
        {
            "title": "ការប្រើពាក្យសម្ងាត់ឱ្យមានសុវត្ថិភាព",
            "slug": "passwords",
            "summary": rich_text("<p>វគ្គខ្លីអំពីពាក្យសម្ងាត់។</p>"),
            "audience": "civil_servant",
            "estimated_hours": "1.5",
            "enrolment_open": "on",
            "prerequisites": rich_text(""),
            "competence_targets": inline_formset(
                [{"competence": competence.pk, "level": level.pk}]
            ),
            "action-publish": "publish",
        }
    )
    response = client.post(f"/admin/pages/add/courses/coursepage/{index.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    course = CoursePage.objects.get(slug="passwords", locale=site_tree["km"])
    assert course.live
    assert course.competence_targets.get().competence == competence

    lesson_data = nested_form_data(
        {
            "title": "ពាក្យសម្ងាត់ខ្លាំង",
            "slug": "strong-passwords",
            "summary": "",
            "body": streamfield(
                [
                    ("heading", "ហេតុអ្វីពាក្យសម្ងាត់សំខាន់"),
                    ("paragraph", rich_text("<p>ប្រើឃ្លាវែងៗ។</p>")),
                    (
                        "callout",
                        {
                            "kind": "scam_alert",
                            "title": "",
                            "text": rich_text("<p>កុំចែករំលែក។</p>"),
                        },
                    ),
                ]
            ),
            "estimated_minutes": "12",
            "required": "on",
            "competence_targets": inline_formset([]),
            "action-publish": "publish",
        }
    )
    response = client.post(
        f"/admin/pages/add/courses/lessonpage/{course.pk}/", lesson_data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = LessonPage.objects.get(slug="strong-passwords")
    assert lesson.course_key == course.translation_key
    assert client.get("/km/courses/passwords/strong-passwords/").status_code == 200

    # Translate the course and its lessons into English with simple_translation.
    response = client.post(
        f"/admin/translation/submit/page/{course.pk}/",
        {"locales": [site_tree["en"].pk], "include_subtree": "on"},
    )
    assert response.status_code == 302, response
    assert "/admin/pages/" in response.url, response.url
    course_en = CoursePage.objects.get(
        translation_key=course.translation_key, locale=site_tree["en"]
    )
    lesson_en = LessonPage.objects.get(
        translation_key=lesson.translation_key, locale=site_tree["en"]
    )
    assert course_en.get_parent().specific == site_tree["index_en"].page_ptr.specific
    # The editor rewrites the English page and publishes it.
    edit = client.get(f"/admin/pages/{course_en.pk}/edit/")
    assert edit.status_code == 200
    data["title"] = "Using passwords safely"
    response = client.post(f"/admin/pages/{course_en.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson_en.save_revision().publish()
    course_en.refresh_from_db()
    assert course_en.title == "Using passwords safely"
    assert client.get("/en/courses/passwords/").status_code == 200
    assert client.get("/en/courses/passwords/strong-passwords/").status_code == 200


def test_page_types_are_explicit():
    assert CourseIndexPage.parent_page_types == ["lms.HomePage"]
    assert CoursePage.parent_page_types == ["courses.CourseIndexPage"]
    assert LessonPage.parent_page_types == ["courses.CoursePage"]
    assert LessonPage.subpage_types == []
    assert Page  # imported for the admin's page tree


def test_learner_cannot_open_the_admin(client, django_user_model, site_tree):
    learner = django_user_model.objects.create_user(email="l@example.org", password="x")
    learner.groups.add(Group.objects.get(name="Learner"))
    client.force_login(learner)
    response = client.get(f"/admin/pages/{site_tree['index'].pk}/")
    assert response.status_code in (302, 403)
