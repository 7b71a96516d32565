"""Enrolment files: dry run, errors with row and column, atomic and idempotent
apply, invitations, the worker path for long files."""

import codecs
import io
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from accounts import roles
from accounts.models import User
from cohorts import enrolment_file as ef
from cohorts import services
from cohorts.models import ImportJob, Invitation, JobStatus, Membership
from courses.models import Enrolment
from tests.factories import UserFactory

HEADER = "email,full_name_km,full_name_latin,institution,position,phone,cohort"
GOOD_ROWS = [
    "dara@example.org,សុខ ដារា,SOK Dara,mptc,Officer,012 345 678,test-cohort",
    "nita@example.org,ចាន់ នីតា,CHAN Nita,Ministry of Post and Telecommunications,"
    "Chief,,Test cohort",
    "vibol@example.org,ហេង វិបុល,HENG Vibol,mptc,IT Officer,+855 10 884 231,test-cohort",
]


def csv_bytes(rows, *, header=HEADER, bom=False):
    text = "\r\n".join([header, *rows]) + "\r\n"
    data = text.encode("utf-8")
    return codecs.BOM_UTF8 + data if bom else data


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def create_job(user, data, filename="learners.csv"):
    return services.import_job_create(
        user=user, filename=filename, data=data, base_url="http://testserver/"
    )


def apply(job):
    job.refresh_from_db()
    assert services.import_apply_request(job=job)
    job.refresh_from_db()
    return job


def messages_of(job):
    return [
        (error.row, error.column, error.code)
        for error in map(ef.RowError.from_dict, job.errors)
    ]


@pytest.mark.parametrize("bom", [False, True])
def test_dry_run_then_apply_creates_accounts_members_and_invitations(
    trainer, cohort, bom, django_capture_on_commit_callbacks
):
    job = create_job(trainer, csv_bytes(GOOD_ROWS, bom=bom))
    assert job.status == JobStatus.READY
    assert job.summary == {"create": 3, "update": 0, "skip": 0}
    assert [entry["action"] for entry in job.plan] == ["create"] * 3
    # A dry run writes nothing.
    assert not User.objects.filter(email="dara@example.org").exists()
    assert not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        job = apply(job)
    assert job.status == JobStatus.DONE
    dara = User.objects.get(email="dara@example.org")
    assert (dara.full_name_km, dara.full_name_latin) == ("សុខ ដារា", "SOK Dara")
    assert dara.institution.code == "mptc"
    assert dara.learner_kind == User.LearnerKind.CIVIL_SERVANT
    assert not dara.has_usable_password()
    assert dara.has_role(roles.LEARNER)
    assert EmailAddress.objects.get(user=dara).verified
    assert Membership.objects.filter(cohort=cohort).count() == 3
    assert User.objects.get(email="vibol@example.org").phone == "+855 10 884 231"
    # One invitation each, in the learner's language (Khmer by default).
    assert len(mail.outbox) == 3
    message = next(m for m in mail.outbox if m.to == ["dara@example.org"])
    assert message.extra_headers["Content-Language"] == "km"
    link = re.search(
        r"http://testserver/km/accounts/password/reset/key/\S+/", message.body
    )
    assert link, message.body
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 3


def test_invitation_link_sets_the_password(
    client, trainer, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        apply(create_job(trainer, csv_bytes(GOOD_ROWS[:1])))
    body = mail.outbox[-1].body
    url = re.search(r"http://testserver(/km/accounts/password/reset/key/\S+/)", body)
    response = client.get(url.group(1), follow=True)
    assert response.status_code == 200
    form_url = (
        response.redirect_chain[-1][0] if response.redirect_chain else url.group(1)
    )
    response = client.post(
        form_url,
        {"password1": "Angkor-wat-1113", "password2": "Angkor-wat-1113"},
        follow=True,
    )
    assert response.status_code == 200
    assert User.objects.get(email="dara@example.org").check_password("Angkor-wat-1113")


def test_importing_the_same_file_twice_changes_nothing(
    trainer, cohort, django_capture_on_commit_callbacks
):
    data = csv_bytes(GOOD_ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        apply(create_job(trainer, data))
    users = list(User.objects.order_by("pk").values())
    sent = len(mail.outbox)
    second = create_job(trainer, data)
    assert second.summary == {"create": 0, "update": 0, "skip": 3}
    with django_capture_on_commit_callbacks(execute=True):
        second = apply(second)
    assert second.status == JobStatus.DONE
    assert list(User.objects.order_by("pk").values()) == users
    assert Membership.objects.count() == 3
    assert len(mail.outbox) == sent
    # Applying a finished job again does nothing either.
    assert not services.import_apply_request(job=second)
    assert services.import_apply(job_id=second.pk) is None


def test_existing_accounts_join_and_only_empty_fields_are_filled(trainer, cohort):
    existing = UserFactory(
        email="Dara@Example.org", full_name_latin="Sok Dara (own)", position=""
    )
    job = create_job(trainer, csv_bytes(GOOD_ROWS[:1]))
    assert job.plan[0]["action"] == "update"
    assert job.plan[0]["changes"] == ["cohort", "institution", "position"]
    apply(job)
    existing.refresh_from_db()
    assert existing.full_name_latin == "Sok Dara (own)"
    assert existing.position == "Officer"
    assert existing.institution.code == "mptc"
    assert Membership.objects.filter(user=existing, cohort=cohort).exists()
    assert not Invitation.objects.filter(user=existing).exists()


def test_members_added_later_are_enrolled_in_assigned_courses(
    trainer, cohort, courses, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_set(
            cohort=cohort,
            course=courses["safe"],
            due_date=cohort.start_date,
            assigned_by=trainer,
        )
    with django_capture_on_commit_callbacks(execute=True):
        apply(create_job(trainer, csv_bytes(GOOD_ROWS)))
    enrolments = Enrolment.objects.filter(course_key=courses["safe"].translation_key)
    assert enrolments.count() == 3
    assert set(enrolments.values_list("source", flat=True)) == {"assigned"}


def test_xlsx_file(trainer, cohort):
    rows = [HEADER.split(","), *[row.split(",") for row in GOOD_ROWS[::2]]]
    job = create_job(trainer, xlsx_bytes(rows), filename="learners.xlsx")
    assert job.status == JobStatus.READY, job.errors
    assert job.summary["create"] == 2


def test_malformed_file_reports_every_error_and_imports_nothing(trainer, cohort):
    rows = [
        # 2: bad e-mail
        "not-an-address,សុខ,SOK,mptc,Officer,,test-cohort",
        # 3: unknown institution
        "a@example.org,សុខ,SOK,ministry-of-magic,Officer,,test-cohort",
        # 4: formula injection in a name
        'b@example.org,សុខ,"=HYPERLINK(""http://evil.example"",""x"")",mptc,Officer,,'
        "test-cohort",
        # 5: duplicate of row 3, with other letter case
        "A@Example.org,សុខ,SOK,mptc,Officer,,test-cohort",
        # 6: unknown cohort, bad phone, missing position
        "c@example.org,សុខ,SOK,mptc,,call me,someone-elses-cohort",
        "d@example.org,សុខ,SOK,mptc,@Officer,,test-cohort",
    ]
    job = create_job(trainer, csv_bytes(rows))
    assert job.status == JobStatus.INVALID
    assert messages_of(job) == [
        (2, "email", "bad_email"),
        (3, "institution", "unknown_institution"),
        (4, "full_name_latin", "formula"),
        (5, "email", "duplicate_email"),
        (6, "position", "required"),
        (6, "phone", "bad_phone"),
        (6, "cohort", "unknown_cohort"),
        (7, "position", "formula"),
    ]
    assert job.summary == {}
    # Nothing can be applied.
    assert not services.import_apply_request(job=job)
    assert not User.objects.filter(
        email__in=["a@example.org", "d@example.org"]
    ).exists()
    assert not Membership.objects.exists()


def test_wrong_columns(trainer, cohort):
    header = "e-mail,full_name_km,name,institution,position,cohort,cohort"
    job = create_job(
        trainer, csv_bytes(["x@example.org,ក,a,mptc,b,c,d"], header=header)
    )
    assert messages_of(job) == [
        (1, "name", "unknown_column"),
        (1, "cohort", "duplicate_column"),
        (1, "full_name_latin", "missing_column_aliases"),
    ]
    with translation.override("en"):
        missing = ef.RowError.from_dict(job.errors[-1]).message
    assert missing == (
        "The required column is missing. Its header may also be written: "
        "name_latin, full name in latin script, firstname + lastname."
    )


@pytest.mark.parametrize(
    ("data", "row"),
    [
        # UTF-16 without a BOM: its byte order cannot be known.
        ((HEADER + "\r\n" + GOOD_ROWS[0]).encode("utf-16-le"), 1),
        # A Windows code page from the third row on.
        (csv_bytes(GOOD_ROWS[:1]) + "é,".encode("cp1252"), 3),
    ],
)
def test_wrong_encoding(trainer, cohort, data, row):
    job = create_job(trainer, data)
    assert messages_of(job) == [(row, ef.WHOLE_ROW, "not_utf8")]


def test_not_a_workbook_and_unsupported_type(trainer, cohort):
    job = create_job(trainer, b"PK\x03\x04 broken", filename="learners.xlsx")
    assert messages_of(job) == [(None, ef.WHOLE_ROW, "bad_xlsx")]
    job = create_job(trainer, b"hello", filename="learners.pdf")
    assert messages_of(job) == [(None, ef.WHOLE_ROW, "unsupported_type")]


def test_errors_are_shown_in_the_readers_language(client, trainer, cohort):
    job = create_job(trainer, csv_bytes(["x@example.org,ក,a,nowhere,b,,test-cohort"]))
    client.force_login(trainer)
    english = client.get(f"/en/trainer/import/{job.pk}/")
    assert "Unknown institution “nowhere”" in english.content.decode()
    khmer = client.get(f"/km/trainer/import/{job.pk}/")
    assert khmer.status_code == 200
    with translation.override("km"):
        message = str(ef.RowError.from_dict(job.errors[0]).message)
    assert message in khmer.content.decode()


def test_a_trainer_imports_only_into_their_own_cohorts(other_trainer, trainer, cohort):
    job = create_job(other_trainer, csv_bytes(GOOD_ROWS[:1]))
    assert messages_of(job) == [(2, "cohort", "unknown_cohort")]


def test_secondary_address_of_another_account_is_refused(trainer, cohort):
    owner = UserFactory(email="owner@example.org")
    EmailAddress.objects.create(user=owner, email="dara@example.org", verified=True)
    job = create_job(trainer, csv_bytes(GOOD_ROWS[:1]))
    assert messages_of(job) == [(2, "email", "email_taken")]


def test_upload_page_flow(client, trainer, cohort):
    client.force_login(trainer)
    page = client.get(reverse("cohorts:import_start"))
    assert page.status_code == 200
    upload = io.BytesIO(csv_bytes(GOOD_ROWS))
    upload.name = "learners.csv"
    response = client.post(reverse("cohorts:import_start"), {"file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("cohorts:import", args=[job.pk])
    page = client.get(response.url)
    assert "dara@example.org" in page.content.decode()
    response = client.post(reverse("cohorts:import_apply", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    # Another trainer cannot see the job.
    client.force_login(UserFactory(roles=[roles.TRAINER], mfa=True))
    assert client.get(reverse("cohorts:import", args=[job.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_rows_through_the_worker_path(migrated_data, client):
    """A 10,000-row file is checked and applied by the Celery tasks (eager here),
    with progress on the job row, in well under a minute."""
    from datetime import date

    from accounts.models import Institution

    trainer = UserFactory(
        email="bulk.trainer@example.org", roles=[roles.TRAINER], mfa=True
    )
    cohort = services.cohort_create(
        name_km="ធំ",
        name_en="Big",
        code="big",
        institution=Institution.objects.get(code="mptc"),
        start_date=date(2026, 1, 1),
        trainers=[trainer],
    )
    rows = [
        f"person{n}@example.org,ឈ្មោះ {n},NAME {n},mptc,Officer,012 {n:06d},big"
        for n in range(10_000)
    ]
    client.force_login(trainer)
    upload = io.BytesIO(csv_bytes(rows, bom=True))
    upload.name = "big.csv"
    with override_settings(COHORTS_IMPORT_SYNC_ROWS=300):
        response = client.post(reverse("cohorts:import_start"), {"file": upload})
        job = ImportJob.objects.get()
        assert job.total_rows == 10_000
        assert job.status == JobStatus.READY, job.errors[:3]
        assert job.summary == {"create": 10_000, "update": 0, "skip": 0}
        page = client.get(response.url)
        assert page.status_code == 200
        client.post(reverse("cohorts:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.processed_rows == 10_000
    assert Membership.objects.filter(cohort=cohort).count() == 10_000
    assert User.objects.filter(email__startswith="person").count() == 10_000
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 10_000
    assert len(mail.outbox) == 10_000


def test_a_failed_invitation_is_sent_by_the_next_run(trainer, cohort, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    job = apply(create_job(trainer, csv_bytes(GOOD_ROWS)))
    original = EmailBackend.send_messages
    calls = {"n": 0}

    def flaky(self, messages):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("SMTP down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(OSError):
        services.invitations_send(job_id=job.pk)
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 1
    assert services.invitations_send(job_id=job.pk) == 2
    assert services.invitations_send(job_id=job.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        row.split(",")[0] for row in GOOD_ROWS
    )
