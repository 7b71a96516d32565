"""Organisers run a competition in the Wagtail admin: the contest and its
blueprint, registrations, closing, publication, export, item analysis, audit."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from competencies.models import Competence, ProficiencyLevel
from competitions import services
from competitions.models import AuditEvent, Contest, Registration, Sitting
from tests.competitions.conftest import make_student, register, right_answers_to
from tests.factories import UserFactory


@pytest.fixture
def editor(db):
    from wagtail.users.models import UserProfile

    user = UserFactory(roles=["Editor"], mfa=True, email="organiser@example.org")
    # The admin in English, so that the tests can read its messages.
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def contest_form(framework, bank, *, count_42_l1=2, slug="national-2026"):
    now = timezone.now()
    competence = Competence.objects.get(framework=framework, code="4.2")
    other = Competence.objects.get(framework=framework, code="1.2")
    l1 = ProficiencyLevel.objects.get(framework=framework, code="L1")
    return nested_form_data(
        {
            "title_km": "ការប្រកួតជាតិ",
            "title_en": "National contest",
            "slug": slug,
            "rules_km": rich_text("<p>ច្បាប់</p>"),
            "rules_en": rich_text("<p>Rules</p>"),
            "listed": "on",
            "eligible_learner_kind": "student",
            "approval_required": "on",
            "registration_opens_at": _local(now - timedelta(days=1)),
            "registration_closes_at": _local(now + timedelta(days=1)),
            "sitting_opens_at": _local(now + timedelta(days=2)),
            "sitting_closes_at": _local(now + timedelta(days=3)),
            "time_limit_minutes": "45",
            "results_publish_at": "",
            "merit_places": "3",
            "blueprint_rows": inline_formset(
                [
                    {
                        "bank": bank.pk,
                        "competence": competence.pk,
                        "level": l1.pk,
                        "count": str(count_42_l1),
                    },
                    {
                        "bank": bank.pk,
                        "competence": other.pk,
                        "level": l1.pk,
                        "count": "1",
                    },
                ]
            ),
        }
    )


def test_editor_creates_a_contest_with_its_blueprint(
    client, editor, framework, bank, pools
):
    client.force_login(editor)
    response = client.post(
        "/admin/snippets/competitions/contest/add/", contest_form(framework, bank)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    contest = Contest.objects.get(slug="national-2026")
    assert [(r.competence.code, r.count) for r in contest.blueprint_rows.all()] == [
        ("4.2", 2),
        ("1.2", 1),
    ]
    assert contest.question_count == 3
    listing = client.get("/admin/snippets/competitions/contest/")
    assert reverse("competitions_admin_registrations", args=[contest.pk]) in (
        listing.content.decode()
    )


def test_blueprint_the_banks_cannot_fill_is_refused(
    client, editor, framework, bank, pools
):
    client.force_login(editor)
    response = client.post(
        "/admin/snippets/competitions/contest/add/",
        contest_form(framework, bank, count_42_l1=5),
    )
    assert response.status_code == 200
    assert "only 4 active questions" in response.content.decode()
    assert not Contest.objects.filter(slug="national-2026").exists()


def test_blueprint_is_frozen_once_a_contestant_has_started(
    client, editor, framework, bank, contest, student
):
    register(contest, student)
    services.sitting_start(contest=contest, user=student)
    client.force_login(editor)
    data = contest_form(framework, bank, slug=contest.slug)
    data["blueprint_rows-INITIAL_FORMS"] = "0"
    response = client.post(
        f"/admin/snippets/competitions/contest/edit/{contest.pk}/", data
    )
    assert response.status_code == 200
    assert "blueprint can no longer change" in response.content.decode()
    assert contest.blueprint_rows.count() == 3


def test_learners_cannot_reach_the_organiser_pages(client, contest, student):
    client.force_login(student)
    for name in (
        "competitions_admin_registrations",
        "competitions_admin_results",
        "competitions_admin_analysis",
        "competitions_admin_audit",
    ):
        response = client.get(reverse(name, args=[contest.pk]))
        assert response.status_code in (302, 403)
    response = client.get(
        reverse("competitions_admin_export", args=[contest.pk, "csv"])
    )
    assert response.status_code in (302, 403)


def test_organiser_runs_the_competition_to_an_exported_ranking(client, editor, contest):
    client.force_login(editor)
    students = [make_student(full_name_latin=f"Student {i}") for i in range(3)]
    for index, student in enumerate(students):
        services.registration_create(
            contest=contest,
            user=student,
            institution=student.institution,
            student_id=f"ID-{index}",
            study_year=1,
        )
    # A student ID typed as a formula stays text in the export.
    Registration.objects.filter(user=students[0]).update(student_id="=1+2")
    students[1].full_name_km = "@SUM(A1:A9)"
    students[1].save()

    registrations = client.get(
        reverse("competitions_admin_registrations", args=[contest.pk])
    )
    assert registrations.status_code == 200
    assert "Student 0" in registrations.content.decode()
    decide = reverse("competitions_admin_decide", args=[contest.pk])
    rejected = Registration.objects.get(user=students[2])
    client.post(
        decide,
        {"registration": rejected.pk, "action": "reject", "note": "Card unreadable"},
    )
    client.post(decide, {"action": "approve_all"})
    statuses = dict(Registration.objects.values_list("user_id", "status"))
    assert statuses == {
        students[0].pk: "approved",
        students[1].pk: "approved",
        students[2].pk: "rejected",
    }
    assert Registration.objects.get(user=students[2]).note == "Card unreadable"

    start = timezone.now()
    for right, student in zip((5, 2), students[:2], strict=True):
        sitting = services.sitting_start(contest=contest, user=student, now=start)
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=student,
            data=right_answers_to(sitting, sitting.question_ids[:right]),
            now=start,
        )
        services.sitting_submit(
            sitting_id=sitting.pk, user=student, now=start + timedelta(minutes=9)
        )

    results_url = reverse("competitions_admin_results", args=[contest.pk])
    page = client.get(results_url).content.decode()
    assert "Publish the results now" not in page  # the sitting is still open
    response = client.post(reverse("competitions_admin_publish", args=[contest.pk]))
    contest.refresh_from_db()
    assert not contest.results_are_published()
    client.post(reverse("competitions_admin_close", args=[contest.pk]))
    client.post(reverse("competitions_admin_publish", args=[contest.pk]))
    contest.refresh_from_db()
    assert contest.results_are_published()
    assert AuditEvent.objects.filter(
        contest=contest, kind=AuditEvent.Kind.RESULTS_PUBLISHED, user=editor
    ).exists()

    response = client.get(
        reverse("competitions_admin_export", args=[contest.pk, "csv"])
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, first, second = rows
    assert header[:3] == ["Rank", "Tied", "Rank in institution"]
    assert "4.2 points" in header and "1.2 level" in header
    assert first[0] == "1" and first[4] == "Student 0"
    assert first[header.index("Student ID")] == "'=1+2"
    assert second[header.index("Full name (Khmer)")] == "'@SUM(A1:A9)"
    assert first[header.index("Score")] == "5.0"
    assert first[header.index("4.2 points")] == "3.0"
    assert first[header.index("Merit")] == "yes"

    response = client.get(
        reverse("competitions_admin_export", args=[contest.pk, "xlsx"])
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][0] == 1
    # XLSX: the ID as typed, in a text cell (never run, no apostrophe).
    assert values[1][values[0].index("Student ID")] == "=1+2"
    assert sheet.cell(row=2, column=values[0].index("Student ID") + 1).data_type == "s"

    analysis = client.get(reverse("competitions_admin_analysis", args=[contest.pk]))
    assert analysis.status_code == 200
    drawn = {item["question"] for s in Sitting.objects.all() for item in s.layout}
    html = analysis.content.decode()
    table = html[html.index('class="listing item-analysis"') :]
    assert table.count("<tr>") == 1 + len(drawn)
    audit = client.get(
        reverse("competitions_admin_audit", args=[contest.pk]),
        {"kind": "submitted"},
    )
    assert audit.content.decode().count("Submitted and scored") >= 2
