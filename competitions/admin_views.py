"""Organisers' pages in the Wagtail admin: registrations, results and publication,
the committee's export, item analysis and the audit log of a competition."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.auth import user_passes_test

from competitions import export, selectors, services
from competitions.models import AuditEvent, Contest, Registration

ORGANISE_PERMISSION = "competitions.change_contest"


def user_can_organise(user) -> bool:
    return user.is_active and user.has_perm(ORGANISE_PERMISSION)


PAGES = {
    "registrations.html": (gettext_lazy("Registrations"), "group"),
    "results.html": (gettext_lazy("Results and publication"), "list-ol"),
    "analysis.html": (gettext_lazy("Item analysis"), "table"),
    "audit.html": (gettext_lazy("Audit log"), "history"),
}


def _render(request, template, contest, **context):
    title, icon = PAGES[template]
    return TemplateResponse(
        request,
        f"competitions/admin/{template}",
        {
            "page_title": title,
            "page_icon": icon,
            "contest": contest,
            "counts": selectors.registration_counts(contest=contest),
            "now": timezone.now(),
            **context,
        },
    )


@user_passes_test(user_can_organise)
def registrations_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    status = request.GET.get("status") or None
    if status not in (None, *Registration.Status.values):
        status = None
    page = Paginator(
        selectors.registrations_for_organiser(contest=contest, status=status), 100
    ).get_page(request.GET.get("page"))
    return _render(
        request,
        "registrations.html",
        contest,
        page=page,
        status=status,
        statuses=Registration.Status.choices,
    )


@user_passes_test(user_can_organise)
@require_POST
def registration_decide_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    back = redirect("competitions_admin_registrations", pk=contest.pk)
    if request.POST.get("action") == "approve_all":
        count = services.registrations_approve_pending(
            contest=contest, organiser=request.user
        )
        messages.success(
            request, _("%(count)s registrations approved.") % {"count": count}
        )
        return back
    registration = get_object_or_404(
        Registration, contest=contest, pk=request.POST.get("registration") or 0
    )
    approve = request.POST.get("action") == "approve"
    try:
        services.registration_decide(
            registration=registration,
            approve=approve,
            organiser=request.user,
            note=request.POST.get("note", ""),
        )
    except services.CompetitionError as error:
        messages.error(request, error.message)
        return back
    message = (
        _("%(student)s is approved.") if approve else _("%(student)s is rejected.")
    )
    messages.success(request, message % {"student": registration.user})
    return back


@user_passes_test(user_can_organise)
def results_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    rows = selectors.standings(contest=contest)
    return _render(
        request,
        "results.html",
        contest,
        standings=rows,
        competences=selectors.contest_competences(contest=contest),
        published=contest.results_are_published(),
        sitting_over=contest.sitting_is_over(),
        panels=results_panels(request, contest),
    )


def results_panels(request, contest) -> list[str]:
    """HTML the apps above this one add to the results page (certificates add
    theirs): each ``competitions_results_panels`` hook takes (request, contest)
    and returns HTML or None."""
    return [
        panel
        for hook in hooks.get_hooks("competitions_results_panels")
        if (panel := hook(request, contest))
    ]


@user_passes_test(user_can_organise)
@require_POST
def results_publish_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    try:
        services.contest_results_publish(contest=contest, organiser=request.user)
    except services.CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The results are published."))
    return redirect("competitions_admin_results", pk=contest.pk)


@user_passes_test(user_can_organise)
@require_POST
def sitting_close_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    try:
        closed = services.contest_sitting_close(contest=contest, organiser=request.user)
    except services.CompetitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The sitting is closed; %(count)s sittings in progress were submitted.")
            % {"count": closed},
        )
    return redirect("competitions_admin_results", pk=contest.pk)


@user_passes_test(user_can_organise)
def export_view(request, pk, fmt):
    contest = get_object_or_404(Contest, pk=pk)
    if fmt not in export.FORMATS:
        raise Http404
    columns, rows = selectors.export_table(contest=contest)
    content = export.write_table(columns, rows, fmt=fmt, sheet="ranking")
    response = HttpResponse(content, content_type=export.CONTENT_TYPES[fmt])
    filename = f"{slugify(contest.slug)}-ranking-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@user_passes_test(user_can_organise)
def analysis_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    return _render(
        request,
        "analysis.html",
        contest,
        **selectors.item_analysis(contest=contest),
    )


@user_passes_test(user_can_organise)
def audit_view(request, pk):
    contest = get_object_or_404(Contest, pk=pk)
    kind = request.GET.get("kind") or None
    if kind not in (None, *AuditEvent.Kind.values):
        kind = None
    sitting = request.GET.get("sitting") or None
    if sitting is not None and not sitting.isdigit():
        sitting = None
    page = Paginator(
        selectors.audit_events(contest=contest, sitting_id=sitting, kind=kind), 200
    ).get_page(request.GET.get("page"))
    return _render(
        request,
        "audit.html",
        contest,
        page=page,
        kind=kind,
        sitting=sitting,
        kinds=AuditEvent.Kind.choices,
    )
