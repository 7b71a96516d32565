"""Staff jobs run by a Celery task: bulk issue for a course or a competition, ZIP
export."""

import csv
import io
import logging
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import selectors
from certificates.models import CertificateJob
from certificates.services.contests import (
    contest_certificate_issue,
    contest_certificates_check,
    contest_certificates_plan,
)
from certificates.services.issuance import (
    CertificateError,
    CertificateNotEligible,
    certificate_issue,
)
from courses.models import Enrolment
from lms import tabular

logger = logging.getLogger(__name__)


# --- Staff jobs -----------------------------------------------------------------


def certificate_job_create(
    *,
    kind,
    requested_by,
    course_key=None,
    contest=None,
    date_from=None,
    date_to=None,
) -> CertificateJob:
    """Record a job and queue its task once the job is committed.

    ``requested_by`` is None when the platform starts the job itself (a
    competition's certificates once its results are published)."""
    from certificates.tasks import certificate_job_run

    if kind == CertificateJob.Kind.ISSUE and not course_key:
        raise CertificateError(_("Choose the course to issue certificates for."))
    if kind == CertificateJob.Kind.CONTEST_ISSUE:
        if contest is None:
            raise CertificateError(_("Choose the competition."))
        # Refuses now, with the reason, what the job could not do.
        contest_certificates_check(contest)
    if date_from and date_to and date_from > date_to:
        raise CertificateError(_("The start date is after the end date."))
    with transaction.atomic():
        job = CertificateJob.objects.create(
            kind=kind,
            requested_by=requested_by,
            course_key=course_key,
            contest=contest,
            date_from=date_from,
            date_to=date_to,
        )
        transaction.on_commit(lambda: certificate_job_run.delay(job.pk))
    return job


def certificate_job_run(*, job_id: int) -> CertificateJob:
    """Run a job; a finished job is left as it is, so running twice is harmless."""
    with transaction.atomic():
        job = CertificateJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        job.status = CertificateJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        if job.kind == CertificateJob.Kind.ISSUE:
            _job_issue(job)
        elif job.kind == CertificateJob.Kind.CONTEST_ISSUE:
            _job_contest_issue(job)
        else:
            _job_export(job)
    except Exception as error:
        logger.exception("Certificate job %s failed", job.pk)
        job.status = CertificateJob.Status.FAILED
        job.error = str(error)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.status = CertificateJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def _job_issue(job: CertificateJob) -> None:
    enrolments = list(
        Enrolment.objects.filter(
            course_key=job.course_key, status=Enrolment.Status.COMPLETED
        )
        .select_related("user")
        .order_by("completed_at", "pk")
    )
    job.total, job.done, job.issued, job.skipped = len(enrolments), 0, 0, 0
    job.save(update_fields=["total", "done", "issued", "skipped"])
    for enrolment in enrolments:
        try:
            result = certificate_issue(
                user=enrolment.user, course_key=job.course_key, actor=job.requested_by
            )
            created = result.created
        except CertificateNotEligible:
            created = False
        job.done += 1
        job.issued += int(created)
        job.skipped += int(not created)
        job.save(update_fields=["done", "issued", "skipped"])


def _job_contest_issue(job: CertificateJob) -> None:
    results = selectors.contest_results(contest=job.contest)
    plan = contest_certificates_plan(contest=job.contest, results=results)
    job.total, job.done, job.issued, job.skipped = len(plan), 0, 0, 0
    job.save(update_fields=["total", "done", "issued", "skipped"])
    for user, kind, template in plan:
        try:
            created = contest_certificate_issue(
                user=user,
                contest=job.contest,
                kind=kind,
                template=template,
                actor=job.requested_by,
                results=results,
            ).created
        except CertificateNotEligible:
            created = False
        job.done += 1
        job.issued += int(created)
        job.skipped += int(not created)
        job.save(update_fields=["done", "issued", "skipped"])


MANIFEST_FIELDS = [
    "code",
    "kind",
    "status",
    "holder_name_km",
    "holder_name_latin",
    "email",
    "course_title_km",
    "course_title_en",
    "score",
    "rank",
    "contestants",
    "issued_on",
    "expires_on",
    "pdf_sha256",
    "file",
]


def _job_export(job: CertificateJob) -> None:
    certificates = list(
        selectors.certificates_for_export(
            course_key=job.course_key, date_from=job.date_from, date_to=job.date_to
        ).select_related("user")
    )
    job.total, job.done = len(certificates), 0
    job.save(update_fields=["total", "done"])
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, fieldnames=MANIFEST_FIELDS)
    writer.writeheader()
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                name = f"{certificate.issued_on:%Y-%m}/{certificate.code}.pdf"
                with certificate.pdf.open("rb") as pdf:
                    archive.writestr(name, pdf.read())
                row = {
                    "code": certificate.code_display,
                    "kind": certificate.kind,
                    "status": certificate.current_status,
                    "holder_name_km": certificate.holder_name_km,
                    "holder_name_latin": certificate.holder_name_latin,
                    "email": certificate.user.email,
                    "course_title_km": certificate.course_title_km,
                    "course_title_en": certificate.course_title_en,
                    "score": certificate.score if certificate.score is not None else "",
                    "rank": certificate.rank or "",
                    "contestants": certificate.contestants or "",
                    "issued_on": certificate.issued_on.isoformat(),
                    "expires_on": certificate.expires_on.isoformat()
                    if certificate.expires_on
                    else "",
                    "pdf_sha256": certificate.pdf_sha256,
                    "file": name,
                }
                # Names are typed by holders: never a live formula.
                writer.writerow({k: tabular.csv_value(v) for k, v in row.items()})
                job.done += 1
                job.save(update_fields=["done"])
            # UTF-8 with a byte-order mark, so spreadsheet programs read Khmer right.
            archive.writestr("certificates.csv", "\ufeff" + manifest.getvalue())
        handle.seek(0)
        job.file.save(
            f"certificates-{job.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip",
            File(handle),
            save=False,
        )
    job.save(update_fields=["file"])
