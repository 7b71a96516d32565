"""A Moodle "Upload users" file, as Moodle's documentation shows one, imported as
it is: the columns understood are shown before anything is stored."""

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import User
from cohorts import enrolment_file as ef
from cohorts import services
from cohorts.models import JobStatus, Membership
from tests.factories import UserFactory
from tests.fixtures.tabular import excel

MOODLE_FILE = (
    Path(__file__).resolve().parents[1] / "fixtures/tabular/moodle_upload_users.csv"
)


def moodle_rows():
    return list(csv.reader(io.StringIO(MOODLE_FILE.read_text(encoding="utf-8"))))


def create_job(user, data, filename="moodle-users.csv"):
    return services.import_job_create(
        user=user, filename=filename, data=data, base_url="http://testserver/"
    )


def codes(job):
    return [(e.row, e.column, e.code) for e in map(ef.RowError.from_dict, job.errors)]


def apply(job):
    job.refresh_from_db()
    assert services.import_apply_request(job=job)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("build", "filename"),
    [
        (lambda: MOODLE_FILE.read_bytes(), "moodle-users.csv"),
        (lambda: excel.unicode_text(moodle_rows()), "moodle-users.txt"),
        (lambda: excel.openpyxl_xlsx(moodle_rows()), "moodle-users.xlsx"),
    ],
)
def test_a_moodle_upload_users_file_is_imported(trainer, cohort, build, filename):
    job = create_job(trainer, build(), filename)
    assert job.status == JobStatus.READY, job.errors
    assert [(e["row"], e["name"], e["action"]) for e in job.plan] == [
        (2, "Dara Sok", "create"),
        (3, "Nita Chan", "create"),
        (4, "Vibol Heng", "create"),
    ]
    assert apply(job).status == JobStatus.DONE
    dara = User.objects.get(email="dara.sok@example.org")
    assert (dara.full_name_latin, dara.full_name_km) == ("Dara Sok", "")
    assert (dara.position, dara.phone) == ("Digital Government", "012 345 678")
    assert dara.institution.code == "mptc" and dara.preferred_language == "km"
    nita = User.objects.get(email="nita.chan@example.org")
    assert (nita.institution.code, nita.preferred_language) == ("mptc", "en")
    assert Membership.objects.filter(cohort=cohort).count() == 3


def test_the_preview_shows_how_the_columns_were_read(client, trainer, cohort):
    job = create_job(trainer, MOODLE_FILE.read_bytes())
    client.force_login(trainer)
    page = client.get(f"/en/trainer/import/{job.pk}/").content.decode()
    section = page[page.index('class="import-columns"') : page.index("</section>")]
    rows = [
        " ".join(cell.split())
        for cell in section.replace("<em>", "").replace("</em>", "").split("<tr")[1:]
    ]

    def row(headers, label):
        return any(headers in r and f"<td>{label}</td>" in r for r in rows)

    assert row(
        '<span class="code">firstname + lastname</span>', "Full name in Latin script"
    )
    assert row('<span class="code">department</span>', "Position")
    assert row('<span class="code">phone1</span>', "Phone")
    assert row('<span class="code">lang</span>', "Preferred language")
    assert row('<span class="code">cohort1</span>', "Cohort")
    assert row('<span class="code">email</span>', "E-mail")
    assert row("Not in the file", "Full name in Khmer")
    assert row('<span class="code">username</span>', "Not read")
    assert row('<span class="code">idnumber</span>', "Not read")
    assert "The file has no Khmer names" in section
    # Shown before anything is stored.
    assert job.status == JobStatus.READY
    assert not User.objects.filter(email="dara.sok@example.org").exists()
    # In Khmer too, with the same columns.
    khmer = client.get(f"/km/trainer/import/{job.pk}/").content.decode()
    assert "firstname + lastname" in khmer


def test_the_preview_of_a_sala_file_names_each_column(client, trainer, cohort):
    data = reverse("cohorts:import_sample")
    client.force_login(trainer)
    sample = b"".join(client.get(data).streaming_content)
    job = create_job(trainer, sample)
    page = client.get(f"/en/trainer/import/{job.pk}/").content.decode()
    assert '<span class="code">full_name_km</span>' in page
    assert "The file has no Khmer names" not in page and "Not read" not in page


def test_an_existing_account_keeps_its_khmer_name(trainer, cohort):
    existing = UserFactory(
        email="dara.sok@example.org", full_name_km="សុខ ដារា", full_name_latin=""
    )
    job = create_job(trainer, MOODLE_FILE.read_bytes())
    assert job.plan[0]["action"] == "update"
    apply(job)
    existing.refresh_from_db()
    assert (existing.full_name_km, existing.full_name_latin) == ("សុខ ដារា", "Dara Sok")


def test_moodle_columns_sala_cannot_honour_are_refused(trainer, cohort):
    rows = moodle_rows()
    rows[0][rows[0].index("idnumber")] = "password"
    job = create_job(trainer, excel.csv_utf8(rows))
    assert codes(job) == [(1, "password", "unknown_column")]
    assert (
        job.status == JobStatus.INVALID
        and not User.objects.filter(email="dara.sok@example.org").exists()
    )


def test_a_moodle_file_without_the_columns_sala_needs(trainer, cohort):
    rows = [row[:4] for row in moodle_rows()]  # username,firstname,lastname,email
    job = create_job(trainer, excel.csv_utf8(rows))
    assert codes(job) == [
        (1, "institution", "missing_column"),
        (1, "position", "missing_column_aliases"),
        (1, "cohort", "missing_column_aliases"),
    ]
    assert job.errors[2]["params"] == {"aliases": "cohort1"}


def test_a_khmer_name_column_still_needs_every_cell(trainer, cohort):
    header = "email,full_name_km,full_name_latin,institution,position,cohort"
    data = f"{header}\r\na@example.org,,SOK Dara,mptc,Officer,test-cohort\r\n"
    job = create_job(trainer, data.encode())
    assert codes(job) == [(2, "full_name_km", "required")]
