"""Enrolment files as Excel, openpyxl and pandas write them, through the whole
import: what is read, the errors with row, column and code, and nothing stored
while any error remains."""

import pytest
from django.utils import translation

from accounts.models import User
from cohorts import enrolment_file as ef
from cohorts import services
from cohorts.models import ImportJob, JobStatus, Membership
from lms import tabular
from tests.fixtures.tabular import excel

HEADER = [
    "email",
    "full_name_km",
    "full_name_latin",
    "institution",
    "position",
    "phone",
    "cohort",
]
ROWS = [
    HEADER,
    [
        "dara@example.org",
        "សុខ ដារា",
        "SOK Dara",
        "mptc",
        "Officer",
        "012 345 678",
        "test-cohort",
    ],
    [
        "nita@example.org",
        "ចាន់ នីតា",
        "CHAN Nita",
        "Ministry of Post and Telecommunications",
        "Chief, E-Services",
        "",
        "Test cohort",
    ],
]
NAMES = {"dara@example.org": "សុខ ដារា", "nita@example.org": "ចាន់ នីតា"}


def create_job(user, data, filename="learners.csv"):
    return services.import_job_create(
        user=user, filename=filename, data=data, base_url="http://testserver/"
    )


def codes(job):
    return [
        (error.row, error.column, error.code)
        for error in map(ef.RowError.from_dict, job.errors)
    ]


def assert_nothing_stored(job):
    assert job.status == JobStatus.INVALID
    assert job.summary == {} and job.plan == []
    assert not services.import_apply_request(job=job)
    assert not User.objects.filter(email__in=NAMES).exists()
    assert not Membership.objects.exists()


FILES = {
    "CSV UTF-8 (Comma delimited)": (excel.csv_utf8, "learners.csv"),
    "CSV UTF-8, semicolons": (
        lambda rows: excel.csv_utf8(rows, delimiter=";"),
        "learners.csv",
    ),
    "Unicode Text": (excel.unicode_text, "learners.txt"),
    "Unicode Text, big-endian": (excel.unicode_text_big_endian, "learners.csv"),
    "openpyxl": (excel.openpyxl_xlsx, "learners.xlsx"),
    "pandas": (excel.pandas_xlsx, "learners.xlsx"),
}


@pytest.mark.parametrize("kind", FILES)
def test_every_format_imports_the_same_learners(trainer, cohort, kind):
    build, filename = FILES[kind]
    job = create_job(trainer, build(ROWS), filename)
    assert job.status == JobStatus.READY, job.errors
    assert [entry["row"] for entry in job.plan] == [2, 3]
    job.refresh_from_db()
    assert services.import_apply_request(job=job)
    people = dict(User.objects.values_list("email", "full_name_km"))
    assert {email: people[email] for email in NAMES} == NAMES
    nita = User.objects.get(email="nita@example.org")
    assert nita.position == "Chief, E-Services"
    assert Membership.objects.filter(cohort=cohort).count() == 2


def test_ansi_csv_with_khmer_as_question_marks_is_refused(trainer, cohort):
    data = excel.csv_ansi(ROWS)
    job = create_job(trainer, data)
    assert codes(job) == [(2, "full_name_km", "mangled_text")]
    assert_nothing_stored(job)
    with translation.override("en"):
        message = ef.RowError.from_dict(job.errors[0]).message
    assert message.startswith("“??? ????”: this cell has question marks")
    assert "“CSV UTF-8 (Comma delimited)”" in message


def test_ansi_csv_with_accents_is_refused_on_its_row(trainer, cohort):
    rows = [HEADER, ROWS[1], ["rene@example.org", "", "René", "mptc", "a", "", "x"]]
    job = create_job(trainer, excel.csv_ansi(rows))
    assert codes(job) == [(3, ef.WHOLE_ROW, "not_utf8")]
    assert_nothing_stored(job)


def test_title_row_above_the_header(trainer, cohort):
    rows = [["Learners, March 2026"], *ROWS]
    job = create_job(trainer, excel.openpyxl_xlsx(rows), "learners.xlsx")
    assert codes(job) == [(1, ef.WHOLE_ROW, "header_not_first")]
    assert job.errors[0]["params"] == {"found": 2}
    assert_nothing_stored(job)


def test_a_zip_bomb_is_refused(trainer, cohort):
    data = excel.zip_bomb_xlsx(tabular.XLSX_MAX_UNPACKED_BYTES + 1)
    job = create_job(trainer, data, "learners.xlsx")
    assert codes(job) == [(None, ef.WHOLE_ROW, "xlsx_too_large")]
    assert_nothing_stored(job)


def test_a_sheet_declaring_too_many_cells_is_refused(trainer, cohort):
    data = excel.declared_size_xlsx("A1:H40000", ROWS)
    job = create_job(trainer, data, "learners.xlsx")
    assert codes(job) == [(None, ef.WHOLE_ROW, "too_many_cells")]
    assert_nothing_stored(job)


def test_one_bad_row_stores_nothing_of_the_good_ones(trainer, cohort):
    rows = [*ROWS, ["bad-address", "ហេង", "HENG", "mptc", "Officer", "", "x"]]
    job = create_job(trainer, excel.unicode_text(rows))
    assert codes(job) == [(4, "email", "bad_email"), (4, "cohort", "unknown_cohort")]
    assert_nothing_stored(job)


def test_errors_stored_before_the_shared_reader_still_show(client, trainer, cohort):
    """Import jobs stored earlier hold the same codes and dicts."""
    job = ImportJob.objects.create(
        created_by=trainer,
        filename="old.csv",
        data=b"",
        base_url="http://testserver",
        status=JobStatus.INVALID,
        errors=[
            {"row": 3, "column": "—", "code": "not_utf8", "params": {}},
            {"row": 1, "column": "cohort", "code": "duplicate_column", "params": {}},
            {
                "row": 1,
                "column": "name",
                "code": "unknown_column",
                "params": {"name": "name", "columns": "email, cohort"},
            },
            {
                "row": 2,
                "column": "email",
                "code": "bad_email",
                "params": {"value": "x"},
            },
        ],
    )
    client.force_login(trainer)
    page = client.get(f"/en/trainer/import/{job.pk}/").content.decode()
    assert "The file is not in UTF-8" in page
    assert "This column appears more than once." in page
    assert "Unknown column “name”. The columns are: email, cohort." in page
    assert "“x” is not a valid e-mail address." in page
