"""The contestant's pages: competitions, registration, countdown, the sitting,
"received", and the published results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail import hooks

from competitions import selectors, services
from competitions.forms import RegistrationForm
from competitions.models import Contest, Sitting


def _meta(request) -> dict:
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _wants_json(request) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def _contest(slug) -> Contest:
    return get_object_or_404(Contest, slug=slug, listed=True)


def _refuse(request, error: services.CompetitionError, contest=None):
    if _wants_json(request):
        return JsonResponse(
            {"ok": False, "code": error.code, "error": str(error.message)},
            status=error.status,
        )
    return render(
        request,
        "competitions/refused.html",
        {"message": error.message, "contest": contest},
        status=error.status,
    )


def contest_list(request):
    return render(
        request,
        "competitions/contest_list.html",
        {"entries": selectors.contests_for_student(user=request.user)},
    )


def contest_detail(request, slug):
    contest = _contest(slug)
    context = selectors.contest_page_context(contest=contest, user=request.user)
    if context["can_register"]:
        context["form"] = RegistrationForm(contest=contest, user=request.user)
    return render(request, "competitions/contest_detail.html", context)


@login_required
@require_POST
def contest_register(request, slug):
    contest = _contest(slug)
    form = RegistrationForm(request.POST, contest=contest, user=request.user)
    if not form.is_valid():
        context = selectors.contest_page_context(contest=contest, user=request.user)
        context["form"] = form
        return render(request, "competitions/contest_detail.html", context, status=400)
    try:
        registration = services.registration_create(
            contest=contest,
            user=request.user,
            meta=_meta(request),
            **form.cleaned_data,
        )
    except services.CompetitionError as error:
        return _refuse(request, error, contest)
    if registration.status == registration.Status.APPROVED:
        messages.success(request, _("You are registered for this competition."))
    else:
        messages.success(
            request,
            _("You are registered. The organisers will check and approve it."),
        )
    return redirect("competitions:detail", slug=contest.slug)


@login_required
@require_POST
def sitting_start(request, slug):
    contest = _contest(slug)
    try:
        services.sitting_start(contest=contest, user=request.user, meta=_meta(request))
    except services.CompetitionError as error:
        return _refuse(request, error, contest)
    return redirect("competitions:sitting", slug=contest.slug)


def _own_sitting(request, contest) -> Sitting:
    sitting = selectors.sitting_of(contest=contest, user=request.user)
    if sitting is None:
        raise Http404
    return sitting


@login_required
@never_cache
def sitting_take(request, slug):
    contest = _contest(slug)
    sitting = selectors.sitting_of(contest=contest, user=request.user)
    if sitting is None:
        return redirect("competitions:detail", slug=contest.slug)
    if sitting.status == Sitting.Status.IN_PROGRESS and sitting.is_past_deadline():
        services.sitting_close_if_overdue(sitting_id=sitting.pk)
        messages.warning(
            request, _("Time is up. Your answers saved before the deadline count.")
        )
        return redirect("competitions:received", slug=contest.slug)
    if sitting.status != Sitting.Status.IN_PROGRESS:
        return redirect("competitions:received", slug=contest.slug)
    services.sitting_page_open(sitting=sitting, meta=_meta(request))
    return render(
        request,
        "competitions/sitting.html",
        selectors.sitting_take_context(sitting=sitting),
    )


@login_required
@require_POST
@never_cache
def sitting_save(request, slug):
    contest = _contest(slug)
    sitting = _own_sitting(request, contest)
    question_ids = None
    if request.POST.get("question"):
        try:
            question_ids = [int(request.POST["question"])]
        except ValueError:
            return _refuse(
                request,
                services.CompetitionError(
                    _("That question is not part of your sitting.")
                ),
                contest,
            )
    try:
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=request.user,
            data=request.POST,
            question_ids=question_ids,
            meta=_meta(request),
            reconnected=request.POST.get("reconnected") == "1",
        )
    except services.CompetitionError as error:
        return _refuse(request, error, contest)
    if _wants_json(request):
        return JsonResponse({"ok": True, "saved_at": timezone.now().isoformat()})
    messages.success(request, _("Your answers are saved."))
    return redirect("competitions:sitting", slug=contest.slug)


@login_required
@require_POST
@never_cache
def sitting_submit(request, slug):
    contest = _contest(slug)
    sitting = _own_sitting(request, contest)
    if sitting.status == Sitting.Status.SUBMITTED:
        # A second tab or a double click: the first submission stands.
        return redirect("competitions:received", slug=contest.slug)
    try:
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=request.user,
            data=request.POST,
            meta=_meta(request),
        )
    except services.CompetitionError as error:
        if error.code in ("time_up", "submitted"):
            messages.warning(request, error.message)
            return redirect("competitions:received", slug=contest.slug)
        return _refuse(request, error, contest)
    services.sitting_submit(
        sitting_id=sitting.pk, user=request.user, meta=_meta(request)
    )
    return redirect("competitions:received", slug=contest.slug)


@login_required
def sitting_received(request, slug):
    contest = _contest(slug)
    sitting = _own_sitting(request, contest)
    if sitting.status == Sitting.Status.IN_PROGRESS:
        if not sitting.is_past_deadline():
            return redirect("competitions:sitting", slug=contest.slug)
        services.sitting_close_if_overdue(sitting_id=sitting.pk)
        sitting.refresh_from_db()
    return render(
        request,
        "competitions/received.html",
        {
            "contest": contest,
            "sitting": sitting,
            "results": contest.results_are_published(),
            "answered": sitting.responses.count(),
        },
    )


@login_required
def contest_results(request, slug):
    contest = _contest(slug)
    if not contest.results_are_published():
        return render(
            request,
            "competitions/results_pending.html",
            {"contest": contest},
            status=403,
        )
    services.sittings_close_overdue(contest=contest)
    context = selectors.results_context(contest=contest, user=request.user)
    # What the apps above this one add for the contestant (their certificates):
    # each ``competitions_contestant_panels`` hook takes (request, contest, mine)
    # and returns HTML or None.
    context["panels"] = [
        panel
        for hook in hooks.get_hooks("competitions_contestant_panels")
        if context["mine"] and (panel := hook(request, contest, context["mine"]))
    ]
    return render(request, "competitions/results.html", context)
