"""Staff jobs run by Celery tasks: bulk issue for a course or a competition, ZIP
export."""

import csv
import enum
import io
import logging
import tempfile
import uuid
import zipfile

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import selectors
from certificates.models import Certificate, CertificateJob
from certificates.services.contests import (
    contest_certificate_issue,
    contest_certificates_check,
    contest_certificates_plan,
)
from certificates.services.issuance import (
    CertificateError,
    CertificateNotEligible,
    certificate_issue,
    certificate_issue_key,
)
from courses.models import Enrolment
from lms import durable, tabular

logger = logging.getLogger(__name__)


# --- Staff jobs -----------------------------------------------------------------
#
# A job runs in steps of at most STEP certificates, each step a task of its own
# that queues the next: a task stays short (the broker's visibility timeout is
# sized to it), and a worker that dies loses one step at most. The job's task is
# recorded with the job (lms.durable): a step that was never sent, or died with
# its worker, is sent again by the sweepers, and the next step starts where the
# last certificate done left off. While a step runs it claims the job's task for
# LEASE seconds past its last progress, so that a second delivery meanwhile does
# nothing. Every certificate is issued in one transaction with the job's progress,
# and the counters are counted from the certificates the job issued, so a job
# resumed any number of times issues and counts each certificate once.

STEP = 25
LEASE = 300  # seconds


class Step(enum.Enum):
    MORE = "more"  # a step remains: queue it
    FINISHED = "finished"
    IDLE = "idle"  # nothing done here: finished already, or another step runs


def certificate_job_key(job_id) -> str:
    """The durable task that runs the job's steps (lms.durable)."""
    return f"certificates.job:{job_id}"


def _job_task_record(job_id, *, send: bool):
    from certificates.tasks import certificate_job_run

    return durable.durable_enqueue(
        certificate_job_run,
        key=certificate_job_key(job_id),
        args=[job_id],
        send=send,
    )


def certificate_job_create(
    *,
    kind,
    requested_by,
    course_key=None,
    contest=None,
    date_from=None,
    date_to=None,
) -> CertificateJob:
    """Record a job and its task, and send the task once the job is committed.

    ``requested_by`` is None when the platform starts the job itself (a
    competition's certificates once its results are published)."""
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
        _job_task_record(job.pk, send=True)
    return job


def certificate_job_run(*, job_id: int, runner: str | None = None) -> CertificateJob:
    """Run a job here, one step after another, to its end; a finished job is left
    as it is, so running twice is harmless."""
    runner = runner or uuid.uuid4().hex
    while certificate_job_step(job_id=job_id, runner=runner) is Step.MORE:
        pass
    return CertificateJob.objects.get(pk=job_id)


def certificate_job_step(*, job_id: int, runner: str) -> Step:
    """Run the job's next step on behalf of ``runner`` (the task id).

    Step.MORE: a step remains, to be queued; Step.FINISHED: the job is done now;
    Step.IDLE: nothing was done (the job is finished, or another runner's step
    holds it). An error fails the job, with the error, and is raised."""
    key = certificate_job_key(job_id)
    with transaction.atomic():
        job = CertificateJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            durable.durable_done(key)
            return Step.IDLE
        # Jobs recorded before their task was: recorded now.
        _job_task_record(job_id, send=False)
        if not durable.durable_claim(key, holder=runner, seconds=LEASE):
            return Step.IDLE
        # Nothing done yet (a first step, or one that died before its first
        # certificate): the total is counted, afresh.
        starting = job.done == 0
        job.status = CertificateJob.Status.RUNNING
        job.progressed_at = timezone.now()
        job.save(update_fields=["status", "progressed_at"])
    try:
        if job.kind == CertificateJob.Kind.ISSUE:
            outcome = _job_issue_step(job, runner, starting=starting)
        elif job.kind == CertificateJob.Kind.CONTEST_ISSUE:
            outcome = _job_contest_issue_step(job, runner, starting=starting)
        else:
            outcome = _job_export(job, runner)
    except Exception as error:
        logger.exception("Certificate job %s failed", job.pk)
        with transaction.atomic():
            CertificateJob.objects.filter(pk=job.pk).update(
                status=CertificateJob.Status.FAILED,
                error=str(error)[:2000],
                finished_at=timezone.now(),
            )
            durable.durable_fail(key, repr(error))
        raise
    if outcome is Step.MORE:
        durable.durable_release(key, holder=runner, progressed=True)
    elif outcome is Step.FINISHED:
        with transaction.atomic():
            CertificateJob.objects.filter(pk=job.pk).update(
                status=CertificateJob.Status.DONE, finished_at=timezone.now()
            )
            durable.durable_done(key)
    return outcome


def _job_started(job: CertificateJob, total: int) -> None:
    job.total, job.done, job.issued, job.skipped = total, 0, 0, 0
    job.save(update_fields=["total", "done", "issued", "skipped"])


def _job_item_done(job: CertificateJob, *, done: int, certificate=None) -> None:
    """Record one certificate of the job done, inside its transaction: the job's
    certificate, if it issued one, then the counters, counted from them."""
    if certificate is not None:
        Certificate.objects.filter(pk=certificate.pk).update(job=job)
    job.done = done
    job.issued = job.issued_certificates.count()
    job.skipped = max(done - job.issued, 0)
    job.progressed_at = timezone.now()
    job.save(update_fields=["done", "issued", "skipped", "progressed_at"])


def _job_steps(job: CertificateJob, runner: str, batch, issue) -> Step:
    """Issue ``batch``, the (at most STEP) items from ``job.done`` on, each in a
    transaction with the job's progress; ``issue(item)`` returns an IssueResult
    or raises CertificateNotEligible."""
    key = certificate_job_key(job.pk)
    start = job.done
    for index, item in enumerate(batch[: max(job.total - start, 0)], start=start):
        with transaction.atomic():
            if not durable.durable_heartbeat(key, holder=runner, seconds=LEASE):
                # Taken over after a long silence: the other runner goes on.
                return Step.IDLE
            try:
                result = issue(item)
            except CertificateNotEligible:
                result = None
            _job_item_done(
                job,
                done=index + 1,
                certificate=result.certificate if result and result.created else None,
            )
    # A batch short of STEP: the list ended (it shrank, if before the total).
    full = len(batch) >= STEP
    return Step.MORE if full and job.done < job.total else Step.FINISHED


def _job_issue_step(job: CertificateJob, runner: str, *, starting: bool) -> Step:
    # Completion order, then id: the same order at every step, and learners who
    # complete meanwhile come after the job's total (they get theirs on
    # completion).
    enrolments = (
        Enrolment.objects.filter(
            course_key=job.course_key, status=Enrolment.Status.COMPLETED
        )
        .select_related("user")
        .order_by("completed_at", "pk")
    )
    if starting:
        _job_started(job, enrolments.count())

    def issue(enrolment):
        result = certificate_issue(
            user=enrolment.user, course_key=job.course_key, actor=job.requested_by
        )
        # Its certificate on completion, if still waiting, is this one.
        durable.durable_done(certificate_issue_key(enrolment.pk))
        return result

    return _job_steps(job, runner, list(enrolments[job.done : job.done + STEP]), issue)


def _job_contest_issue_step(
    job: CertificateJob, runner: str, *, starting: bool
) -> Step:
    results = selectors.contest_results(contest=job.contest)
    plan = contest_certificates_plan(contest=job.contest, results=results)
    # Best rank first, then a fixed order among ties: the same at every step.
    plan.sort(
        key=lambda item: (results.standings[item[0].pk].rank, item[0].pk, item[1])
    )
    if starting:
        _job_started(job, len(plan))
    return _job_steps(
        job,
        runner,
        plan[job.done : job.done + STEP],
        lambda item: contest_certificate_issue(
            user=item[0],
            contest=job.contest,
            kind=item[1],
            template=item[2],
            actor=job.requested_by,
            results=results,
        ),
    )


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


def _job_export(job: CertificateJob, runner: str) -> Step:
    """The ZIP file in one step (it reads stored PDFs, it renders none); a resumed
    export starts again from its first file."""
    key = certificate_job_key(job.pk)
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
                if not durable.durable_heartbeat(key, holder=runner, seconds=LEASE):
                    return Step.IDLE
                job.done += 1
                job.progressed_at = timezone.now()
                job.save(update_fields=["done", "progressed_at"])
            # UTF-8 with a byte-order mark, so spreadsheet programs read Khmer right.
            archive.writestr("certificates.csv", "\ufeff" + manifest.getvalue())
        handle.seek(0)
        job.file.save(
            f"certificates-{job.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip",
            File(handle),
            save=False,
        )
    job.save(update_fields=["file"])
    return Step.FINISHED
