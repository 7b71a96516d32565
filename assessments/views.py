from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import selectors, services
from assessments.models import Attempt, QuizPage
from competencies.models import Competence
from competencies.selectors import framework_get_default


def _wants_json(request):
    return request.headers.get("x-requested-with") == "fetch"


def _refuse(request, error: services.AssessmentError, attempt=None):
    if _wants_json(request):
        return JsonResponse(
            {"ok": False, "error": str(error.message)}, status=error.status
        )
    return render(
        request,
        "assessments/refused.html",
        {"message": error.message, "attempt": attempt},
        status=error.status,
    )


def _attempt_for(request, attempt_id) -> Attempt:
    attempt = Attempt.objects.select_related("quiz").filter(pk=attempt_id).first()
    if attempt is None or attempt.user_id != request.user.pk:
        raise Http404
    return attempt


@login_required
@require_POST
def quiz_start(request, page_id):
    quiz = get_object_or_404(QuizPage.objects.live().public(), pk=page_id)
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except services.AssessmentError as error:
        return _refuse(request, error)
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@login_required
def attempt_take(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    if attempt.status == Attempt.Status.IN_PROGRESS and attempt.is_past_deadline():
        services.attempt_close_if_overdue(attempt_id=attempt.pk)
        messages.warning(
            request,
            _("Time is up. Your attempt was submitted with the answers you saved."),
        )
        attempt.refresh_from_db()
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("assessments:result", attempt_id=attempt.pk)
    return render(
        request,
        "assessments/attempt_take.html",
        selectors.attempt_take_context(attempt=attempt),
    )


@login_required
@require_POST
def attempt_save(request, attempt_id):
    only = request.POST.get("question")
    question_ids = None
    if only:
        try:
            question_ids = [int(only)]
        except ValueError:
            return _refuse(
                request,
                services.AssessmentError(
                    _("That question is not part of this attempt.")
                ),
            )
    try:
        services.responses_save(
            attempt_id=attempt_id,
            user=request.user,
            data=request.POST,
            question_ids=question_ids,
        )
    except services.AssessmentError as error:
        return _refuse(request, error)
    if _wants_json(request):
        return JsonResponse({"ok": True, "saved_at": timezone.now().isoformat()})
    messages.success(request, _("Your answers are saved."))
    return redirect("assessments:attempt", attempt_id=attempt_id)


@login_required
@require_POST
def attempt_submit(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    if attempt.status == Attempt.Status.SUBMITTED:
        return _refuse(
            request,
            services.AssessmentError(_("This attempt is already submitted."), 409),
            attempt=attempt,
        )
    if attempt.is_past_deadline():
        services.attempt_close_if_overdue(attempt_id=attempt.pk)
        return _refuse(
            request,
            services.AssessmentError(
                _("Time is up: answers sent after the deadline are not saved."), 409
            ),
            attempt=attempt,
        )
    try:
        services.responses_save(
            attempt_id=attempt.pk, user=request.user, data=request.POST
        )
        services.attempt_submit(attempt_id=attempt.pk, user=request.user)
    except services.AssessmentError as error:
        return _refuse(request, error, attempt=attempt)
    return redirect("assessments:result", attempt_id=attempt.pk)


@login_required
def attempt_result(request, attempt_id):
    attempt = _attempt_for(request, attempt_id)
    if attempt.status != Attempt.Status.SUBMITTED:
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    return render(
        request,
        "assessments/attempt_result.html",
        selectors.attempt_result_context(attempt=attempt),
    )


@login_required
def profile(request):
    return render(
        request,
        "assessments/profile.html",
        selectors.competency_profile(user=request.user),
    )


@login_required
def competence_why(request, code):
    framework = framework_get_default()
    competence = get_object_or_404(Competence, framework=framework, code=code)
    return render(
        request,
        "assessments/competence_why.html",
        selectors.competence_why(user=request.user, competence=competence),
    )
