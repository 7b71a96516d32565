"""Exports hold exactly what the page shows, numbers as numbers, formulas made
inert; the PDF report renders with the bundled fonts and fetches nothing else."""

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from cohorts import services
from cohorts.models import ExportJob, JobStatus, Membership
from cohorts.pdf import static_only_fetcher
from courses import services as course_services
from lms.tabular import csv_value
from tests.cohorts.conftest import TODAY
from tests.factories import UserFactory

FORMULA_NAME = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.combine(TODAY, time(9), UTC), tick=False):
        yield


@pytest.fixture
def export_cohort(cohort, courses, trainer, django_capture_on_commit_callbacks):
    plain = UserFactory(email="plain@example.org", full_name_latin="PLAIN Learner")
    evil = UserFactory(email="evil@example.org", full_name_latin=FORMULA_NAME)
    minus = UserFactory(email="minus@example.org", full_name_latin="-1+2")
    for user in (plain, evil, minus):
        Membership.objects.create(cohort=cohort, user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_set(
            cohort=cohort,
            course=courses["safe"],
            due_date=TODAY + timedelta(days=30),
            assigned_by=trainer,
        )
    course_services.lesson_complete(user=plain, lesson=courses["safe_lessons"][0])
    return cohort


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def page_table(client, cohort, key, query=""):
    response = client.get(en("cohorts:cohort", cohort.pk) + query)
    table = response.context[key]
    header = [column.heading for column in table.columns]
    rows = [[cell.value for cell in row] for row in table.rows]
    return header, rows


def read_csv(content):
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content):
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("kind", ["progress", "heatmap"])
@pytest.mark.parametrize("query", ["", "?q=plain", "?status=in_progress"])
def test_exports_match_the_screen(client, trainer, export_cohort, kind, query):
    client.force_login(trainer)
    key = "progress" if kind == "progress" else "heatmap"
    header, rows = page_table(client, export_cohort, key, query)
    assert rows, "the filters must leave someone to export"

    response = client.get(en("cohorts:export", export_cohort.pk, kind, "csv") + query)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    csv_rows = read_csv(response.content)
    assert csv_rows[0] == [csv_value(h) for h in header]
    assert csv_rows[1:] == [
        ["" if v is None else str(csv_value(v)) for v in row] for row in rows
    ]

    response = client.get(en("cohorts:export", export_cohort.pk, kind, "xlsx") + query)
    xlsx_rows = read_xlsx(response.content)
    # XLSX holds exactly what the page shows (formula-like text as text cells).
    assert xlsx_rows[0] == header
    assert xlsx_rows[1:] == rows


def test_numbers_stay_numbers_and_formulas_are_neutralised(
    client, trainer, export_cohort
):
    client.force_login(trainer)
    response = client.get(en("cohorts:export", export_cohort.pk, "progress", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    evil = rows["evil@example.org"]
    # A text cell holding the name as typed: shown, never run, no apostrophe.
    assert evil[0].value == FORMULA_NAME
    assert evil[0].data_type == "s"
    assert rows["minus@example.org"][0].value == "-1+2"
    assert rows["minus@example.org"][0].data_type == "s"
    plain = rows["plain@example.org"]
    assert plain[3].value == 25 and plain[3].data_type == "n"
    response = client.get(en("cohorts:export", export_cohort.pk, "progress", "csv"))
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=" not in text and ",=" not in text


def test_pdf_report(client, trainer, export_cohort):
    client.force_login(trainer)
    response = client.get(en("cohorts:export", export_cohort.pk, "report", "pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "PLAIN Learner" in text
        assert FORMULA_NAME in text  # shown as text, escaped, not run
    if shutil.which("pdffonts"):
        fonts = subprocess.run(
            ["pdffonts", "-"], input=response.content, capture_output=True, check=True
        ).stdout
        # The bundled fonts, embedded; no fallback from the system.
        assert b"Noto-Sans" in fonts
        assert b"DejaVu" not in fonts


def test_rollup_exports_and_pdf(client, coordinator, export_cohort):
    client.force_login(coordinator)
    page = client.get(en("cohorts:rollup", "mptc"))
    table = page.context["table"]
    response = client.get(en("cohorts:rollup_export", "mptc", "xlsx"))
    rows = read_xlsx(response.content)
    assert rows[0] == [c.heading for c in table.columns]
    assert rows[1:] == [[c.value for c in row] for row in table.rows]
    pdf = client.get(en("cohorts:rollup_export", "mptc", "pdf"))
    assert pdf.content.startswith(b"%PDF")


def test_the_pdf_fetcher_reads_only_static_files():
    fetcher = static_only_fetcher()
    font = fetcher.fetch("sala-static:fonts/NotoSansKhmer-Regular.woff2")
    assert font.read()[:4] == b"wOF2"
    for url in (
        "http://example.org/x.png",
        "file:///etc/passwd",
        "sala-static:../../etc/passwd",
        "data:text/plain,hello",
    ):
        with pytest.raises((ValueError, FileNotFoundError)):
            fetcher.fetch(url)


def test_large_exports_go_through_a_job_with_a_download_link(
    client, settings, trainer, export_cohort, django_capture_on_commit_callbacks
):
    settings.COHORTS_EXPORT_SYNC_LIMIT = 2
    client.force_login(trainer)
    with translation.override("en"):
        direct = services.export_build(
            kind="progress",
            fmt="csv",
            cohort=export_cohort,
            filters=services.exports.selectors.filters_from({"q": "plain"}),
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            en("cohorts:export", export_cohort.pk, "progress", "csv") + "?q=plain"
        )
    job = ExportJob.objects.get()
    assert response["Location"] == en("cohorts:export_job", job.pk)
    assert job.status == JobStatus.DONE
    assert job.params == {"q": "plain"}
    page = client.get(response["Location"])
    assert en("cohorts:export_job_download", job.pk) in page.content.decode()
    download = client.get(en("cohorts:export_job_download", job.pk))
    assert download.content == direct.content
    # Running the job again does nothing.
    assert services.export_job_run(job_id=job.pk) is None
