from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import selectors, services
from courses.models import CoursePage, LessonPage


def _back(request, page):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(page.url)


@login_required
@require_POST
def course_enrol(request, page_id):
    course = get_object_or_404(CoursePage.objects.live().public(), pk=page_id)
    try:
        services.enrolment_create(user=request.user, course=course)
    except services.CourseError as error:
        messages.error(request, str(error))
        return _back(request, course)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return _back(request, course)


@login_required
@require_POST
def course_unenrol(request, page_id):
    course = get_object_or_404(CoursePage.objects.live(), pk=page_id)
    try:
        services.enrolment_withdraw(user=request.user, course=course)
    except services.CourseError as error:
        messages.error(request, str(error))
        return _back(request, course)
    messages.success(request, _("You have left the course. Your progress is kept."))
    return _back(request, course)


@login_required
@require_POST
def lesson_complete(request, page_id):
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=page_id)
    try:
        services.lesson_complete(user=request.user, lesson=lesson)
    except services.CourseError as error:
        response = render(
            request,
            "courses/refused.html",
            {"message": str(error), "page": lesson},
            status=403,
        )
        return response
    context = selectors.lesson_page_context(lesson=lesson, user=request.user)
    if context["enrolment"] and context["enrolment"].status == "completed":
        messages.success(request, _("Congratulations! You have completed the course."))
        return redirect(context["course"].url)
    if context["next_lesson"]:
        return redirect(context["next_lesson"].url)
    return redirect(context["course"].url)


@login_required
def course_resume(request, page_id):
    course = get_object_or_404(CoursePage.objects.live().public(), pk=page_id)
    context = selectors.course_page_context(course=course, user=request.user)
    if not context["is_enrolled"]:
        raise PermissionDenied
    target = context["next_lesson"] or course
    return redirect(target.url)


@login_required
def my_learning(request):
    # An app above courses may extend the page (its required_training block).
    template = getattr(
        settings, "COURSES_MY_LEARNING_TEMPLATE", "courses/my_learning.html"
    )
    return render(request, template, selectors.my_learning(user=request.user))


def search(request):
    query = request.GET.get("q", "")[:200]
    return render(
        request,
        "courses/search.html",
        {"query": query, "results": selectors.search_courses(query=query)},
    )
