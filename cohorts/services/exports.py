"""Exports of the dashboards: built from the very tables the pages show.

A cohort or institution with more learners than ``export_sync_limit()`` is exported
by a worker; the job row holds its progress and, when done, the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation

from cohorts import selectors, tables
from cohorts.charts import report_context, report_context_rollup
from cohorts.models import ExportJob, JobStatus, Membership
from cohorts.pdf import render_pdf
from cohorts.services.follow_up import follow_up

EXPORT_SYNC_LIMIT = 1000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
KINDS_BY_FORMAT = {
    ExportJob.Kind.PROGRESS: ("csv", "xlsx"),
    ExportJob.Kind.HEATMAP: ("csv", "xlsx"),
    ExportJob.Kind.REPORT: ("pdf",),
    ExportJob.Kind.ROLLUP: ("csv", "xlsx", "pdf"),
}


def export_sync_limit() -> int:
    return getattr(settings, "COHORTS_EXPORT_SYNC_LIMIT", EXPORT_SYNC_LIMIT)


@dataclass
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def export_build(
    *,
    kind: str,
    fmt: str,
    cohort=None,
    institution=None,
    filters: selectors.Filters,
    progress=None,
    today=None,
) -> ExportFile:
    """The file of one export, in the active language."""
    if fmt not in KINDS_BY_FORMAT.get(kind, ()):
        raise ValueError(f"No {fmt} export of {kind}")
    today = today or selectors.today_local()
    if kind == ExportJob.Kind.ROLLUP:
        rollup = selectors.institution_rollup(
            institution=institution, filters=filters, today=today
        )
        table = tables.rollup_table(rollup)
        stem = f"{institution.code}-required-training-{today.isoformat()}"
        if fmt == "pdf":
            content = render_pdf(
                "cohorts/pdf/rollup_report.html",
                report_context_rollup(rollup, table),
            )
            return ExportFile(f"{stem}.pdf", CONTENT_TYPES["pdf"], content)
    else:
        dashboard = selectors.cohort_dashboard(
            cohort=cohort, filters=filters, today=today
        )
        if kind == ExportJob.Kind.REPORT:
            content = render_pdf(
                "cohorts/pdf/cohort_report.html", report_context(dashboard)
            )
            stem = f"{cohort.code}-report-{today.isoformat()}"
            return ExportFile(f"{stem}.pdf", CONTENT_TYPES["pdf"], content)
        if kind == ExportJob.Kind.PROGRESS:
            table = tables.progress_table(dashboard)
        else:
            table = tables.heatmap_table(dashboard)
        stem = f"{cohort.code}-{kind}-{today.isoformat()}"
    writer = tables.to_csv if fmt == "csv" else tables.to_xlsx
    return ExportFile(
        f"{stem}.{fmt}", CONTENT_TYPES[fmt], writer(table, progress=progress)
    )


def export_job_create(
    *,
    user,
    kind: str,
    fmt: str,
    filters: selectors.Filters,
    cohort=None,
    institution=None,
) -> ExportJob:
    """Queue an export for a worker; the page polls the job."""
    job = ExportJob.objects.create(
        created_by=user,
        kind=kind,
        fmt=fmt,
        cohort=cohort,
        institution=institution,
        params=filters.as_params(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    from cohorts import tasks

    follow_up(tasks.export_job_run, job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build a queued export once; a second run finds it claimed or done."""
    claimed = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("cohort", "institution").get(pk=job_id)
    if job.cohort is not None:
        total = job.cohort.memberships.count()
    else:
        total = Membership.objects.filter(cohort__institution=job.institution).count()
    ExportJob.objects.filter(pk=job.pk).update(total_rows=total)

    def progress(number):
        ExportJob.objects.filter(pk=job.pk).update(processed_rows=number)

    try:
        with translation.override(job.language):
            built = export_build(
                kind=job.kind,
                fmt=job.fmt,
                cohort=job.cohort,
                institution=job.institution,
                filters=selectors.filters_from(job.params),
                progress=progress,
            )
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, failure=str(exc)[:2000]
        )
        raise
    job.content = built.content
    job.filename = built.filename
    job.processed_rows = total
    job.total_rows = total
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "content",
            "filename",
            "processed_rows",
            "total_rows",
            "status",
            "finished_at",
        ]
    )
    return job
