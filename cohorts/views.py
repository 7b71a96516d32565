from functools import wraps
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from cohorts import access, enrolment_file, selectors, services, tables
from cohorts.charts import level_chart, rollup_chart, status_chart
from cohorts.forms import AssignmentForm, CohortForm, ImportForm
from cohorts.models import ExportJob, ImportJob, JobStatus, Membership
from cohorts.services.exports import KINDS_BY_FORMAT

SAMPLE_FILE = Path(__file__).resolve().parent / "sample_data" / "learners-sample.csv"


def dashboard_required(view):
    """Signed-in trainers, coordinators and administrators; a 403 for others."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.can_use_dashboard(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _visible_cohort(request, pk):
    return get_object_or_404(
        access.visible_cohorts(request.user).select_related("institution"), pk=pk
    )


def _managed_cohort(request, pk):
    cohort = _visible_cohort(request, pk)
    if not access.managed_cohorts(request.user).filter(pk=cohort.pk).exists():
        raise PermissionDenied
    return cohort


def _attachment(built) -> HttpResponse:
    response = HttpResponse(built.content, content_type=built.content_type)
    response["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    return response


@dashboard_required
def dashboard(request):
    cohorts = access.visible_cohorts(request.user).select_related("institution")
    return render(
        request,
        "cohorts/dashboard.html",
        {
            "summaries": selectors.cohort_summaries(cohorts),
            "institutions": access.coordinated_institutions(request.user),
            "can_create": access.can_create_cohort(request.user),
        },
    )


@dashboard_required
def cohort_create(request):
    if not access.can_create_cohort(request.user):
        raise PermissionDenied
    form = CohortForm(
        request.POST or None,
        initial={"institution": request.user.institution_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(
                **form.cleaned_data, trainers=[request.user]
            )
        except services.CohortError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The cohort is created."))
            return redirect("cohorts:cohort", pk=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form})


@dashboard_required
def cohort_edit(request, pk):
    cohort = _managed_cohort(request, pk)
    initial = {
        "name_km": cohort.name_km,
        "name_en": cohort.name_en,
        "code": cohort.code,
        "institution": cohort.institution_id,
        "start_date": cohort.start_date,
        "end_date": cohort.end_date,
    }
    form = CohortForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            services.cohort_update(cohort=cohort, **data)
        except services.CohortError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The cohort is saved."))
            return redirect("cohorts:cohort", pk=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort})


@dashboard_required
def cohort_detail(request, pk):
    cohort = _visible_cohort(request, pk)
    filters = selectors.filters_from(request.GET)
    dashboard = selectors.cohort_dashboard(cohort=cohort, filters=filters)
    can_manage = access.managed_cohorts(request.user).filter(pk=cohort.pk).exists()
    query = urlencode(filters.as_params())

    def link(user):
        return reverse("cohorts:learner", args=[cohort.pk, user.pk])

    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "dashboard": dashboard,
            "progress": tables.progress_table(dashboard, link=link),
            "heatmap": tables.heatmap_table(dashboard, link=link),
            "status_chart": status_chart(dashboard),
            "level_chart": level_chart(dashboard),
            "can_manage": can_manage,
            "assignment_form": AssignmentForm(prefix="assign") if can_manage else None,
            "query": query,
            "statuses": [(s, selectors.STATUS_LABELS[s]) for s in selectors.STATUSES],
        },
    )


@dashboard_required
@require_POST
def assignment_create(request, pk):
    cohort = _managed_cohort(request, pk)
    form = AssignmentForm(request.POST, prefix="assign")
    if form.is_valid():
        try:
            services.assignment_set(
                cohort=cohort,
                course=form.cleaned_data["course"],
                due_date=form.cleaned_data["due_date"],
                assigned_by=request.user,
            )
        except services.CohortError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("“%(course)s” is required of every member by %(date)s.")
                % {
                    "course": form.cleaned_data["course"].title,
                    "date": form.cleaned_data["due_date"].isoformat(),
                },
            )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("cohorts:cohort", pk=cohort.pk)


@dashboard_required
def learner_detail(request, pk, user_id):
    cohort = _visible_cohort(request, pk)
    learner = get_object_or_404(
        User.objects.select_related("institution"),
        pk=user_id,
        cohort_memberships__cohort=cohort,
    )
    context = selectors.learner_detail(cohort=cohort, learner=learner)
    return render(request, "cohorts/learner_detail.html", context)


def _export(request, *, kind, fmt, cohort=None, institution=None, members: int):
    if fmt not in KINDS_BY_FORMAT.get(kind, ()):
        raise Http404
    filters = selectors.filters_from(request.GET)
    if members > services.export_sync_limit():
        job = services.export_job_create(
            user=request.user,
            kind=kind,
            fmt=fmt,
            filters=filters,
            cohort=cohort,
            institution=institution,
        )
        return redirect("cohorts:export_job", pk=job.pk)
    return _attachment(
        services.export_build(
            kind=kind, fmt=fmt, cohort=cohort, institution=institution, filters=filters
        )
    )


@dashboard_required
def cohort_export(request, pk, kind, fmt):
    cohort = _visible_cohort(request, pk)
    if kind == ExportJob.Kind.ROLLUP:
        raise Http404
    return _export(
        request,
        kind=kind,
        fmt=fmt,
        cohort=cohort,
        members=selectors.cohort_member_count(cohort),
    )


def _institution(request, code):
    return get_object_or_404(access.coordinated_institutions(request.user), code=code)


@dashboard_required
def rollup(request, code):
    institution = _institution(request, code)
    filters = selectors.filters_from(request.GET)
    data = selectors.institution_rollup(institution=institution, filters=filters)
    return render(
        request,
        "cohorts/rollup.html",
        {
            "rollup": data,
            "table": tables.rollup_table(data),
            "chart": rollup_chart(data),
            "query": urlencode(filters.as_params()),
            "statuses": [(s, selectors.STATUS_LABELS[s]) for s in selectors.STATUSES],
        },
    )


@dashboard_required
def rollup_export(request, code, fmt):
    institution = _institution(request, code)
    members = Membership.objects.filter(cohort__institution=institution).count()
    return _export(
        request,
        kind=ExportJob.Kind.ROLLUP,
        fmt=fmt,
        institution=institution,
        members=members,
    )


def _own_export_job(request, pk):
    """An export of the user's, while they may still see what it holds."""
    job = get_object_or_404(
        ExportJob.objects.defer("content"), pk=pk, created_by=request.user
    )
    if job.cohort_id is not None:
        visible = access.visible_cohorts(request.user).filter(pk=job.cohort_id)
    else:
        visible = access.coordinated_institutions(request.user).filter(
            pk=job.institution_id
        )
    if not visible.exists():
        raise Http404
    return job


@dashboard_required
def export_job(request, pk):
    job = _own_export_job(request, pk)
    return render(request, "cohorts/export_job.html", {"job": job})


@dashboard_required
def export_job_download(request, pk):
    job = _own_export_job(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404
    content = ExportJob.objects.values_list("content", flat=True).get(pk=job.pk)
    content_type = services.exports.CONTENT_TYPES[job.fmt]
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


# --- Imports ---------------------------------------------------------------------


def _can_import(user) -> bool:
    return access.managed_cohorts(user).exists() or access.is_administrator(user)


@dashboard_required
def import_start(request):
    if not _can_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_job_create(
            user=request.user,
            filename=upload.name,
            data=upload.read(),
            base_url=request.build_absolute_uri("/"),
        )
        return redirect("cohorts:import", pk=job.pk)
    return render(
        request,
        "cohorts/import_start.html",
        {
            "form": form,
            "jobs": ImportJob.objects.filter(created_by=request.user).defer(
                "data", "plan", "errors"
            )[:10],
            "cohorts": access.managed_cohorts(request.user).select_related(
                "institution"
            ),
            "columns": enrolment_file.COLUMNS,
        },
    )


def _own_import(request, pk):
    return get_object_or_404(
        ImportJob.objects.defer("data"), pk=pk, created_by=request.user
    )


@dashboard_required
def import_detail(request, pk):
    job = _own_import(request, pk)
    errors = [enrolment_file.RowError.from_dict(item) for item in job.errors]
    plan = Paginator(job.plan, 100).get_page(request.GET.get("page"))
    mapping = None
    if not job.is_running and job.status != JobStatus.FAILED:
        # Read again from the stored file's header: what is shown is what the
        # check understood, for jobs stored before this was shown too.
        mapping = enrolment_file.column_mapping(bytes(job.data), filename=job.filename)
    return render(
        request,
        "cohorts/import_detail.html",
        {
            "job": job,
            "errors": errors[:500],
            "error_count": len(errors),
            "plan": plan,
            "mapping": mapping,
            "form": ImportForm(),
        },
    )


@dashboard_required
@require_POST
def import_apply(request, pk):
    job = _own_import(request, pk)
    if not services.import_apply_request(job=job):
        messages.error(request, _("This file cannot be applied now."))
    return redirect("cohorts:import", pk=job.pk)


@dashboard_required
def import_template(request):
    response = HttpResponse(
        enrolment_file.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="enrolment-template.csv"'
    return response


@dashboard_required
def import_sample(request):
    return FileResponse(
        SAMPLE_FILE.open("rb"),
        as_attachment=True,
        filename=SAMPLE_FILE.name,
        content_type="text/csv; charset=utf-8",
    )
