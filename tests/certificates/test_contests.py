"""Competition certificates: participation for every contestant ranked, merit with
the rank for the merit places, issued when the results are published."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from certificates import payload, rendering, selectors, services, signing
from certificates.models import (
    Certificate,
    CertificateJob,
    CertificateTemplate,
    TemplateContest,
)
from competitions import services as competition_services
from competitions.models import AuditEvent, Contest
from tests.certificates.conftest import POPPLER, make_template, pdf_text
from tests.competitions.conftest import (  # noqa: F401
    bank,
    contest,
    make_student,
    pools,
    sit,
)
from tests.courses.conftest import framework  # noqa: F401
from tests.factories import InstitutionFactory, UserFactory

Kind = Certificate.Kind


@pytest.fixture
def templates(contest):  # noqa: F811
    return {
        award: make_template(contest, award) for award in TemplateContest.Award.values
    }


@pytest.fixture
def organiser(db):
    return UserFactory(roles=["Editor"], mfa=True, email="organiser@example.org")


@pytest.fixture
def sat(contest):  # noqa: F811
    """Four contestants: Sopheap 5 right, Dara 4, Vanna and Kosal 2 each in the
    same time (tied third). The contest has two merit places."""
    start = contest.sitting_opens_at + timedelta(minutes=1)
    rupp = InstitutionFactory(code="rupp-c")
    people = {}
    for name, khmer, right in [
        ("Sopheap", "សុភាព", 5),
        ("Dara", "ដារា", 4),
        ("Vanna", "វណ្ណា", 2),
        ("Kosal", "កុសល", 2),
    ]:
        people[name] = make_student(
            institution=rupp,
            full_name_latin=name,
            full_name_km=khmer,
            email=f"{name.lower()}@example.org",
            preferred_language="en",
        )
        sit(contest, people[name], right=right, start=start, minutes=10)
    return people


def close_and_publish(contest, organiser, capture):  # noqa: F811
    with capture(execute=True):
        competition_services.contest_sitting_close(contest=contest, organiser=organiser)
        competition_services.contest_results_publish(
            contest=contest, organiser=organiser
        )
    contest.refresh_from_db()


def test_publication_issues_participation_and_merit_certificates(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)

    participation = Certificate.objects.filter(kind=Kind.PARTICIPATION)
    merit = Certificate.objects.filter(kind=Kind.MERIT).order_by("rank")
    assert participation.count() == 4
    assert {c.user.full_name_latin for c in participation} == set(sat)
    assert [(c.user.full_name_latin, c.rank, c.contestants) for c in merit] == [
        ("Sopheap", 1, 4),
        ("Dara", 2, 4),
    ]
    assert all(c.rank is None for c in participation)
    for certificate in Certificate.objects.all():
        assert certificate.course_key == contest.key
        assert certificate.course_title_en == "The challenge"
        assert certificate.course_title_km == "ការប្រកួតប្រជែង"
        assert certificate.status == Certificate.Status.VALID
        assert signing.sha256_hex(certificate.pdf.read()) == certificate.pdf_sha256

    best = merit.first()
    assert best.score == best.user.contest_sittings.get().percent
    assert [c["code"] for c in best.competences] == ["1.2", "4.2"]
    assert all(c["level_code"] for c in best.competences)
    claims = signing.credential_verify(best.credential, jwks=selectors.jwks())
    achievement = claims["vc"]["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Award"
    assert achievement["id"] == payload.name_uuid(str(contest.key), "merit")
    rank_id = next(
        d["id"] for d in achievement["resultDescription"] if d["name"] == "Rank"
    )
    assert {
        "type": ["Result"],
        "resultDescription": rank_id,
        "value": "1/4",
    } in claims["vc"]["credentialSubject"]["result"]

    job = CertificateJob.objects.get(kind=CertificateJob.Kind.CONTEST_ISSUE)
    assert job.status == CertificateJob.Status.DONE and job.requested_by is None
    assert (job.total, job.issued, job.skipped) == (6, 6, 0)

    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects.count("Your merit certificate for The challenge") == 2
    assert subjects.count("Your certificate of participation in The challenge") == 4
    [to_dara] = [
        m for m in mail.outbox if m.to == ["dara@example.org"] and "merit" in m.subject
    ]
    assert "you were ranked 2 of 4 in the competition The challenge" in to_dara.body


@pytest.mark.skipif(not POPPLER, reason="needs poppler-utils")
def test_the_merit_pdf_states_the_rank_in_both_languages(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    certificate = Certificate.objects.get(kind=Kind.MERIT, rank=2)
    text = rendering.extracted_text_normalize(pdf_text(certificate.pdf.path))
    assert "Rank 2 of 4 contestants" in text
    assert "ចំណាត់ថ្នាក់ទី២ ក្នុងចំណោមបេក្ខជន ៤ នាក់" in text
    assert "Certificate of merit" in text and "វិញ្ញាបនបត្រកិត្តិយស" in text
    assert "ការប្រកួតប្រជែង" in text and "ដារា" in text


def test_ties_at_the_last_merit_place_all_receive_merit(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    contest.merit_places = 3
    contest.save()
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    merit = Certificate.objects.filter(kind=Kind.MERIT)
    assert sorted((c.user.full_name_latin, c.rank) for c in merit) == [
        ("Dara", 2),
        ("Kosal", 3),
        ("Sopheap", 1),
        ("Vanna", 3),
    ]
    tied = merit.get(user__full_name_latin="Kosal")
    assert tied.content["rank_tied"] is True
    from certificates.payload import content_from_json, rank_text

    assert rank_text(content_from_json(tied.content)) == (
        "Rank 3 (tied) of 4 contestants"
    )


def test_issuing_is_idempotent_and_refused_beyond_the_merit_places(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    first = Certificate.objects.get(kind=Kind.MERIT, rank=1)
    again = services.contest_certificate_issue(
        user=sat["Sopheap"], contest=contest, kind=Kind.MERIT
    )
    assert not again.created and again.certificate == first
    with pytest.raises(services.CertificateNotEligible):
        services.contest_certificate_issue(
            user=sat["Vanna"], contest=contest, kind=Kind.MERIT
        )
    stranger = make_student(email="stranger@example.org")
    with pytest.raises(services.CertificateNotEligible):
        services.contest_certificate_issue(
            user=stranger, contest=contest, kind=Kind.PARTICIPATION
        )
    # A second run of the whole batch issues nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE,
            requested_by=organiser,
            contest=contest,
        )
    job.refresh_from_db()
    assert (job.total, job.issued, job.skipped) == (6, 0, 6)
    assert Certificate.objects.count() == 6


def test_nothing_is_issued_before_publication(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
):
    with pytest.raises(services.CertificateNotEligible):
        services.contest_certificate_issue(
            user=sat["Sopheap"], contest=contest, kind=Kind.PARTICIPATION
        )
    with (
        translation.override("en"),
        pytest.raises(services.CertificateError, match="results are published"),
    ):
        services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE,
            requested_by=organiser,
            contest=contest,
        )
    assert not Certificate.objects.exists()
    assert not CertificateJob.objects.exists()


def test_without_a_template_publication_issues_nothing(
    contest,  # noqa: F811
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    assert contest.results_are_published()
    assert not Certificate.objects.exists() and not CertificateJob.objects.exists()
    with (
        translation.override("en"),
        pytest.raises(services.CertificateError, match="No active certificate"),
    ):
        services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE,
            requested_by=organiser,
            contest=contest,
        )


def test_scheduled_publication_is_announced_once(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
    time_machine,
):
    with django_capture_on_commit_callbacks(execute=True):
        competition_services.contest_sitting_close(contest=contest, organiser=organiser)
    contest.refresh_from_db()
    contest.results_publish_at = contest.sitting_closes_at + timedelta(hours=1)
    contest.save()
    # Not yet time.
    assert competition_services.contests_results_publish_due() == 0
    time_machine.move_to(contest.results_publish_at + timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert competition_services.contests_results_publish_due() == 1
    event = AuditEvent.objects.get(
        contest=contest, kind=AuditEvent.Kind.RESULTS_PUBLISHED
    )
    assert event.user is None
    assert Certificate.objects.count() == 6
    with django_capture_on_commit_callbacks(execute=True):
        assert competition_services.contests_results_publish_due() == 0
    assert CertificateJob.objects.count() == 1


def test_a_failed_render_leaves_no_half_issued_certificate(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
    monkeypatch,
    settings,
):
    calls = {"n": 0}
    real = rendering.pdf_render

    def fails_on_the_third(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise rendering.RenderError("font missing")
        return real(*args, **kwargs)

    monkeypatch.setattr(rendering, "pdf_render", fails_on_the_third)
    # In production the job runs after the publication has committed, and its
    # failure is logged (the receiver's on_commit is robust). The test's capture
    # runs the job's own callback outside that guard, so the error surfaces here.
    with pytest.raises(rendering.RenderError):
        close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    contest.refresh_from_db()
    assert contest.results_are_published()
    job = CertificateJob.objects.get()
    assert job.status == CertificateJob.Status.FAILED
    assert "font missing" in job.error
    # Two certificates were issued whole before the failure; the third left
    # nothing behind: no row, no file.
    assert Certificate.objects.count() == 2
    files = sorted(p.name for p in settings.MEDIA_ROOT.rglob("*.pdf"))
    assert files == sorted(f"{c.code}.pdf" for c in Certificate.objects.all())

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retry = services.certificate_job_create(
            kind=CertificateJob.Kind.CONTEST_ISSUE,
            requested_by=organiser,
            contest=contest,
        )
    retry.refresh_from_db()
    assert (retry.issued, retry.skipped) == (4, 2)
    assert Certificate.objects.count() == 6


def test_reissue_of_a_merit_certificate_keeps_the_rank(
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    old = Certificate.objects.get(kind=Kind.MERIT, rank=2)
    dara = old.user
    dara.full_name_latin = "Dara SOK"
    dara.save()
    new = services.certificate_reissue(
        certificate=old, actor=organiser, note="Name corrected"
    )
    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED and old.superseded_by == new
    assert (new.kind, new.rank, new.contestants) == (Kind.MERIT, 2, 4)
    assert new.holder_name_latin == "Dara SOK"
    # The participation certificate is untouched.
    assert (
        Certificate.objects.get(user=dara, kind=Kind.PARTICIPATION).status
        == Certificate.Status.VALID
    )


def test_organiser_sees_the_certificates_and_issues_missing_ones(
    client,
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(organiser)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(organiser)
    results_url = reverse("competitions_admin_results", args=[contest.pk])
    page = client.get(results_url).content.decode()
    assert "Certificates are issued by themselves when the results are published" in (
        page
    )
    assert "Contest merit" in page and "Contest participation" in page

    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    Certificate.objects.filter(user=sat["Kosal"]).delete()
    page = client.get(results_url).content.decode()
    assert "3 certificates issued" in page and "2 certificates issued" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("certificates_admin_contest_issue", args=[contest.pk])
        )
    job = CertificateJob.objects.filter(requested_by=organiser).get()
    assert response.url == reverse("certificates_admin_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.issued, job.skipped) == (1, 5)
    page = client.get(response.url).content.decode()
    assert "The challenge" in page and "1 issued, 5 skipped" in page


def test_contestant_finds_the_certificate_on_the_results_page(
    client,
    contest,  # noqa: F811
    templates,
    sat,
    organiser,
    django_capture_on_commit_callbacks,
):
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    client.force_login(sat["Dara"])
    with translation.override("km"):
        page = client.get(
            reverse("competitions:results", args=[contest.slug])
        ).content.decode()
    mine = Certificate.objects.filter(user=sat["Dara"])
    assert mine.count() == 2
    for certificate in mine:
        assert reverse("certificates:download", args=[certificate.code]) in page
    assert "វិញ្ញាបនបត្ររបស់អ្នក" in page
    others = Certificate.objects.exclude(user=sat["Dara"])
    for certificate in others:
        assert certificate.code not in page

    merit = mine.get(kind=Kind.MERIT)
    with translation.override("en"):
        detail = client.get(
            reverse("certificates:detail", args=[merit.code])
        ).content.decode()
    assert "Competition" in detail and "Rank 2 of 4" in detail
    assert "Competition merit" in detail


def test_template_lists_a_contest_in_the_admin(
    client,
    contest,  # noqa: F811
):
    from django.contrib.auth.models import Group
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    editor = UserFactory(roles=["Editor"], mfa=True, email="ed@example.org")
    assert Group.objects.get(name="Editor") in editor.groups.all()
    client.force_login(editor)
    data = nested_form_data(
        {
            "name": "Scholarship merit",
            "title_km": "វិញ្ញាបនបត្រកិត្តិយស",
            "title_en": "Certificate of merit",
            "statement_km": "បានទទួលចំណាត់ថ្នាក់",
            "statement_en": "earned a merit place in",
            "issuer_name_km": "អ្នកចេញ",
            "issuer_name_en": "Issuer",
            "issuer_logo": "",
            "institution_name_km": "",
            "institution_name_en": "",
            "institution_logo": "",
            "minimum_score": "",
            "validity_months": "",
            "is_active": "on",
            "signatories": inline_formset([]),
            "courses": inline_formset([]),
            "contests": inline_formset([{"contest": contest.pk, "award": "merit"}]),
            "competence_rules": inline_formset([]),
        }
    )
    response = client.post(
        "/admin/snippets/certificates/certificatetemplate/add/", data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = CertificateTemplate.objects.get(name="Scholarship merit")
    assert selectors.template_for_contest(contest, "merit") == template
    assert selectors.template_for_contest(contest, "participation") is None
    preview = client.get(reverse("certificates_admin_preview", args=[template.pk]))
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"


def test_contest_results_take_the_same_queries_for_more_contestants(
    contest,  # noqa: F811
    sat,
    django_assert_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as four:
        assert selectors.contest_results(contest=contest).ranked == 4
    start = contest.sitting_opens_at + timedelta(minutes=1)
    for number in range(3):
        sit(contest, make_student(), right=number, start=start, minutes=5)
    with django_assert_num_queries(len(four.captured_queries)):
        results = selectors.contest_results(contest=contest)
    assert results.ranked == 7
    assert all(len(s.competences) == 2 for s in results.standings.values())


def test_an_organiser_runs_the_demo_competition_to_merit_certificates(
    db, client, django_capture_on_commit_callbacks
):
    """make demo's competition, from the organiser's pages: close the sitting,
    publish, and the certificates follow; the committee's export is ready."""
    from allauth.mfa.models import Authenticator
    from django.core.management import call_command
    from wagtail.users.models import UserProfile

    from accounts.models import User

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo_contest = Contest.objects.get()
    assert set(selectors.contest_templates(demo_contest).values()) == set(
        CertificateTemplate.objects.filter(contests__contest=demo_contest)
    )
    organiser = User.objects.get(email="editor@sala.demo")
    Authenticator.objects.create(
        user=organiser,
        type=Authenticator.Type.TOTP,
        data={"secret": "JBSWY3DPEHPK3PXP"},
    )
    profile = UserProfile.get_for_user(organiser)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(organiser)
    client.post(reverse("competitions_admin_close", args=[demo_contest.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("competitions_admin_publish", args=[demo_contest.pk]))
    demo_contest.refresh_from_db()
    assert demo_contest.results_are_published()
    merit = Certificate.objects.filter(kind=Kind.MERIT).order_by("rank")
    assert merit.count() >= demo_contest.merit_places
    assert all(c.rank <= demo_contest.merit_places for c in merit)
    assert Certificate.objects.filter(kind=Kind.PARTICIPATION).count() == 6
    page = client.get(reverse("competitions_admin_results", args=[demo_contest.pk]))
    assert "6 certificates issued" in page.content.decode()
    export = client.get(
        reverse("competitions_admin_export", args=[demo_contest.pk, "csv"])
    )
    assert export.status_code == 200 and len(export.content.splitlines()) == 7
