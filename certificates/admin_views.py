"""Wagtail admin views for staff: issued certificates (revoke, reissue), template
preview, bulk issue for a course or a competition and ZIP export, each job with a
progress page."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.auth import user_passes_test

from certificates import selectors, services
from certificates.forms import BulkIssueForm, ExportForm, ReissueForm, RevokeForm
from certificates.models import Certificate, CertificateJob, CertificateTemplate
from competitions.models import Contest
from lms.media import private_file_response


def user_can_view(user) -> bool:
    return user.is_active and user.has_perm("certificates.view_certificate")


def user_can_change(user) -> bool:
    return user.is_active and user.has_perm("certificates.change_certificate")


def user_can_issue(user) -> bool:
    return user.is_active and user.has_perm("certificates.add_certificate")


def user_can_preview(user) -> bool:
    return user.is_active and user.has_perm("certificates.view_certificatetemplate")


@user_passes_test(user_can_preview)
def template_preview(request, pk):
    """A sample PDF from the template as saved."""
    template = get_object_or_404(CertificateTemplate, pk=pk)
    pdf = services.template_preview_pdf(template=template)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{template.pk}.pdf"'
    return response


@user_passes_test(user_can_view)
def certificate_index(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    course = request.GET.get("course", "")
    courses = selectors.subject_choices()
    if course not in {key for key, _title in courses}:
        course = ""
    if status not in Certificate.Status.values:
        status = ""
    certificates = selectors.certificates_admin_list(
        query=query, status=status, course_key=course or None
    )
    page = Paginator(certificates, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "certificates/admin/certificate_index.html",
        {
            "page_obj": page,
            "query": query,
            "status": status,
            "course": course,
            "courses": courses,
            "statuses": Certificate.Status.choices,
            "can_issue": user_can_issue(request.user),
        },
    )


@user_passes_test(user_can_view)
def certificate_detail(request, pk):
    certificate = get_object_or_404(
        Certificate.objects.select_related("user", "template", "superseded_by"), pk=pk
    )
    return TemplateResponse(
        request,
        "certificates/admin/certificate_detail.html",
        {
            "certificate": certificate,
            "events": certificate.events.select_related("actor"),
            "revoke_form": RevokeForm(),
            "reissue_form": ReissueForm(),
            "can_change": user_can_change(request.user),
            "verify_url": selectors.certificate_verify_url(certificate.code),
        },
    )


@user_passes_test(user_can_change)
@require_POST
def certificate_revoke(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for revoking the certificate."))
        return redirect("certificates_admin_detail", pk=pk)
    try:
        services.certificate_revoke(
            certificate=certificate,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.CertificateError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Certificate %(code)s revoked.") % {"code": certificate.code_display},
        )
    return redirect("certificates_admin_detail", pk=pk)


@user_passes_test(user_can_change)
@require_POST
def certificate_reissue(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk)
    form = ReissueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the certificate is reissued."))
        return redirect("certificates_admin_detail", pk=pk)
    try:
        new = services.certificate_reissue(
            certificate=certificate, actor=request.user, note=form.cleaned_data["note"]
        )
    except (services.CertificateError, services.CertificateNotEligible) as error:
        messages.error(request, str(error))
        return redirect("certificates_admin_detail", pk=pk)
    messages.success(
        request,
        _("Certificate %(old)s is replaced by %(new)s.")
        % {"old": certificate.code_display, "new": new.code_display},
    )
    return redirect("certificates_admin_detail", pk=new.pk)


@user_passes_test(user_can_view)
def certificate_download(request, pk):
    certificate = get_object_or_404(Certificate, pk=pk)
    return private_file_response(
        certificate.pdf,
        filename=f"certificate-{certificate.code_display}.pdf",
        content_type="application/pdf",
    )


@user_passes_test(user_can_issue)
def bulk_issue(request):
    form = BulkIssueForm(request.POST or None, courses=selectors.course_choices())
    if request.method == "POST" and form.is_valid():
        job = services.certificate_job_create(
            kind=CertificateJob.Kind.ISSUE,
            requested_by=request.user,
            course_key=form.cleaned_data["course"],
        )
        return redirect("certificates_admin_job", pk=job.pk)
    return TemplateResponse(
        request,
        "certificates/admin/job_form.html",
        {
            "form": form,
            "title": _("Issue certificates for a course"),
            "help": _(
                "Every learner who completed the course and meets the template's "
                "rule receives a certificate. Learners who already hold one from "
                "the template's current version are skipped; a certificate from an "
                "earlier version is superseded by the new one."
            ),
            "submit": _("Issue certificates"),
            "icon": "doc-full",
            "jobs": selectors.jobs_recent(),
        },
    )


@user_passes_test(user_can_issue)
@require_POST
def contest_issue(request, contest_pk):
    """Issue a competition's participation and merit certificates (the results
    page of the competition posts here)."""
    contest = get_object_or_404(Contest, pk=contest_pk)
    try:
        job = services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE,
            requested_by=request.user,
            contest=contest,
        )
    except services.CertificateError as error:
        messages.error(request, str(error))
        return redirect("competitions_admin_results", pk=contest.pk)
    return redirect("certificates_admin_job", pk=job.pk)


def contest_results_panel(request, contest) -> str | None:
    """The certificates part of a competition's results page in the admin."""
    if not user_can_view(request.user):
        return None
    return render_to_string(
        "certificates/admin/contest_panel.html",
        {
            "contest": contest,
            "templates": selectors.contest_templates(contest),
            "counts": selectors.contest_certificate_counts(contest=contest),
            "jobs": selectors.contest_jobs(contest=contest),
            "published": contest.results_are_published(),
            "can_issue": user_can_issue(request.user),
            "can_edit_templates": request.user.has_perm(
                "certificates.change_certificatetemplate"
            ),
        },
        request=request,
    )


@user_passes_test(user_can_view)
def export(request):
    form = ExportForm(request.POST or None, courses=selectors.subject_choices())
    if request.method == "POST" and form.is_valid():
        job = services.certificate_job_create(
            kind=CertificateJob.Kind.EXPORT,
            requested_by=request.user,
            course_key=form.cleaned_data["course"] or None,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        return redirect("certificates_admin_job", pk=job.pk)
    return TemplateResponse(
        request,
        "certificates/admin/job_form.html",
        {
            "form": form,
            "title": _("Export certificates as a ZIP file"),
            "help": _(
                "The ZIP file holds the PDF of every certificate of the course and "
                "issue dates chosen, and a CSV list with their codes, holders, "
                "statuses and SHA-256 fingerprints."
            ),
            "submit": _("Build the ZIP file"),
            "icon": "download",
            "jobs": selectors.jobs_recent(),
        },
    )


@user_passes_test(user_can_view)
def job_detail(request, pk):
    job = get_object_or_404(CertificateJob.objects.select_related("contest"), pk=pk)
    titles = dict(selectors.subject_choices())
    return TemplateResponse(
        request,
        "certificates/admin/job_detail.html",
        {
            "job": job,
            "course_title": titles.get(str(job.course_key)) if job.course_key else "",
            "index_url": reverse("certificates_admin_index"),
            "results_url": reverse("competitions_admin_results", args=[job.contest_id])
            if job.contest_id
            else "",
        },
    )


@user_passes_test(user_can_view)
def job_download(request, pk):
    job = get_object_or_404(CertificateJob, pk=pk, kind=CertificateJob.Kind.EXPORT)
    if not job.file:
        raise Http404
    return private_file_response(
        job.file,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )
